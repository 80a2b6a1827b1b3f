# The emails to buyers and subscribers: each has a subject, a title (the heading of the HTML
# email) and lines. $shop is the shop's name, $reference an order's short reference.

email-footer = { $shop } — merci pour votre confiance.

## An order's amounts
line-item = { $quantity } × { $name } ({ $unit } l'unité)
subtotal = Sous-total
discount = { $kind ->
    [volume] Remise sur quantité
   *[promo] Code promo
  } ({ $percent } %)
discount-fixed = { $kind ->
    [volume] Remise sur quantité
   *[promo] Code promo
  }
delivery-fee = Livraison
gift-fee = { $type ->
    [birthday] Paquet cadeau (anniversaire)
    [wedding] Paquet cadeau (mariage)
   *[simple] Paquet cadeau
  }
total = Total
delivery-pickup = Point relais : { $name }, { $address }
delivery-home = Livraison à domicile : { $address }
paid-with = Payé avec : { $method }
gift-message = Message cadeau : { $message }
no-method = —

## The invoice (what a French invoice must say)
invoice-subject = Facture { $number } — commande { $reference }
invoice-title = Facture { $number }
invoice-thanks = Merci pour votre commande { $reference }.
invoice-seller = Vendeur : { $legal_name }, { $address }
invoice-vat-number = N° TVA intracommunautaire : { $vat_number }
invoice-buyer = Client : { $buyer }
invoice-number = Facture n° { $number }
invoice-date = Date : { $date }
invoice-line = { $quantity } × { $name } — { $unit } TTC l'unité — TVA { $rate } % — { $excluding } HT — { $including } TTC
invoice-total-excluding = Total HT
invoice-total-vat = TVA ({ $rate } %)
invoice-total-including = Total TTC
invoice-column-item = Article
invoice-column-rate = TVA
invoice-column-excluding = HT
invoice-column-including = TTC

## Order events
payment-failed-subject = Paiement refusé — commande { $reference }
payment-failed-title = Paiement refusé
payment-failed-body = Le paiement de { $amount } pour la commande { $reference } a échoué : { $reason }
payment-failed-reason = Le paiement n'a pas été accepté.
payment-failed-retry = Vos articles sont de retour dans votre panier : vous pouvez réessayer.
order-cancelled-subject = Commande { $reference } annulée
order-cancelled-title = Commande annulée
order-cancelled-body = Votre commande { $reference } est annulée.
order-cancelled-refund = { $amount } vous sera remboursé sur votre { $method }.
late-payment-subject = Paiement remboursé — commande { $reference }
late-payment-title = Paiement remboursé
late-payment-body = Votre paiement pour la commande { $reference } est arrivé après l'expiration de la réservation et les articles ne sont plus disponibles.
late-payment-refunded = { $amount } vous a été remboursé.

## Saved payment methods
method-saved-subject = Moyen de paiement enregistré — { $method }
method-saved-title = Moyen de paiement enregistré
method-saved-body = Votre { $method } est enregistrée pour vos prochains achats et abonnements.
method-saved-manage = Vous pouvez voir et supprimer vos moyens de paiement enregistrés dans votre compte.
card-pays-for = Elle règle votre abonnement à { $plans }.
card-expiring-subject = Votre { $method } expire bientôt
card-expiring-title = Votre carte expire bientôt
card-expiring-body = Votre { $method } enregistrée expire fin { $expiry }.
card-expiring-action = Enregistrez votre nouvelle carte lors de votre prochain achat pour que vos paiements et abonnements continuent.
card-expired-subject = Votre { $method } a expiré
card-expired-title = Votre carte a expiré
card-expired-body = Votre { $method } enregistrée a expiré fin { $expiry } : elle ne peut plus être débitée.
card-expired-action = Enregistrez une nouvelle carte lors de votre prochain achat, ou choisissez-en une autre pour vos abonnements.

## Subscriptions
payment-method = moyen de paiement
trial-ends-subject = Votre essai gratuit de { $plan } se termine le { $date }
trial-ends-title = Votre essai gratuit se termine bientôt
trial-ends-body = Votre essai gratuit de { $plan } se termine le { $date }.
trial-ends-then = Ensuite, { $price } par mois seront prélevés sur votre { $method }.
charged-subject = Paiement reçu — { $plan }, { $price }
charged-title = Paiement d'abonnement reçu
charged-body = { $price } ont été prélevés sur votre { $method } pour { $plan }, du { $from } au { $to }.
charged-next = Prochain paiement : { $date }.
charge-failed-attempt = (tentative { $attempt } sur { $attempts })
charge-failed-subject = Paiement refusé — { $plan }{ $counted }
charge-failed-title = Paiement d'abonnement refusé
charge-failed-body = Le paiement de { $price } pour { $plan } a échoué{ $counted }.
charge-failed-with = Moyen de paiement : { $method }.
charge-failed-retry = Nous réessaierons le { $date }.
charge-failed-no-retry = Aucune autre tentative ne sera faite avec ce moyen de paiement.
charge-failed-change = Vous pouvez changer de moyen de paiement dans votre compte.
authentication-required-subject = Merci de confirmer votre paiement — { $plan }
authentication-required-title = Votre banque vous demande de confirmer un paiement
authentication-required-body = Votre banque vous demande de confirmer le paiement de { $price } pour { $plan }{ $counted } : il ne pouvait pas être pris sans vous.
authentication-required-link = Confirmez-le sur cette page : { $url }
authentication-required-retry = D'ici là, nous réessaierons le { $date }.
authentication-required-button = Confirmer le paiement
suspended-subject = Abonnement suspendu — { $plan }
suspended-title = Abonnement suspendu
suspended-body = Toutes les tentatives de paiement pour { $plan } ont échoué : votre abonnement est suspendu.
suspended-action = Changez de moyen de paiement pour le réactiver.
reactivated-subject = Abonnement réactivé — { $plan }
reactivated-title = Abonnement réactivé
reactivated-body = Votre abonnement à { $plan } est de nouveau actif. Merci.
cancel-scheduled-subject = Abonnement résilié — { $plan }
cancel-scheduled-title = Abonnement résilié
cancel-scheduled-body = Votre abonnement à { $plan } est résilié : il prend fin le { $date } et plus rien ne sera prélevé.
cancelled-subject = Abonnement terminé — { $plan }
cancelled-title = Abonnement terminé
cancelled-body = Votre abonnement à { $plan } est terminé. Vous pouvez vous réabonner à tout moment.

## An order's fulfilment and partial refunds (the operators' steps); the title names the
## step in the subject too.
order-update-subject = { $title } — commande { $reference }
order-moved-title = Suivi de commande
order-moved-body = Votre commande { $reference } avance.
preparing-title = Commande en préparation
preparing-body = Votre commande { $reference } est en préparation.
shipped-title = Commande expédiée
shipped-body = Votre commande { $reference } a été expédiée par { $carrier }, numéro de suivi { $tracking }.
our-carrier = notre transporteur
ready-for-pickup-title = Commande prête à être retirée
ready-for-pickup-body = Votre commande { $reference } est prête à être retirée.
delivered-title = Commande livrée
delivered-body = Votre commande { $reference } a été livrée.
picked-up-title = Commande retirée
picked-up-body = Votre commande { $reference } a été retirée. Bonne utilisation !
partly-refunded-title = Remboursement
partly-refunded-body = { $amount } de votre commande { $reference } vous seront remboursés sur votre { $method }.

## L'alerte aux gestionnaires du stock (dans la langue de la boutique)
low-stock-subject = Stock bas : { $name }
low-stock-title = Stock bas
low-stock-body = Il reste { $stock } { $name } ({ $product_id }), sous le seuil de { $threshold }.
