# The hosted payment page, its return page and its error pages. $shop is the shop's name.

payment-description = Commande { $reference } ({ $count ->
    [one] { $count } article
   *[other] { $count } articles
  })
confirm-description = Commande { $reference } (votre banque vous demande de confirmer)
confirm-subscription-description = Abonnement { $plan } (votre banque vous demande de confirmer)
subscription-description = Abonnement { $plan } ({ $price } par mois)
page-title = Payer { $amount } — { $shop }
pay-before = À payer avant { $time } UTC
pay-button = Payer { $amount }
confirm-button = Confirmer { $amount }
bank-confirms = Votre banque vous demande de confirmer ce paiement avec votre carte enregistrée.
check-card = Vérifiez votre carte.
stripe-footer = Les paiements par carte pour { $shop } sont traités par Stripe
check-fields = Vérifiez les champs signalés ci-dessous.
choose-method = Choisissez un moyen de paiement.
save-method = Enregistrer ce moyen de paiement pour la prochaine fois
sandbox-heading = Bac à sable — paiements de test uniquement
sandbox-intro = Aucun argent réel n'est débité.
secure-footer = Page de paiement du prestataire de test pour { $shop }
back-to-shop = Retour à la boutique

## The payment methods' forms
method-card = Carte
method-crina-pay = CRINA-PAY
field-card_number = Numéro de carte
field-exp_month = Mois d'expiration
field-exp_year = Année d'expiration
field-cvc = Cryptogramme (CVC)
field-holder_name = Nom sur la carte
field-phone = Numéro de téléphone
card-hint = Utilisez n'importe quelle date d'expiration future, n'importe quel CVC à 3 chiffres et n'importe quel nom.
card-test-visa = Visa, acceptée
card-test-mastercard = Mastercard, acceptée
card-test-declined = refusée
card-test-later-fails = acceptée et enregistrée, mais tout débit ultérieur échoue
card-test-authentication = demande 3-D Secure : une vérification sur cette page, et chaque débit ultérieur doit être confirmé
crina-test-outcomes = CRINA-PAY : tout numéro de téléphone est accepté, sauf s'il se termine par { $suffix } : il est alors refusé
card-number-invalid = Le numéro de carte n'est pas valide
exp-month-invalid = Le mois d'expiration doit être un nombre de 1 à 12
exp-year-invalid = L'année d'expiration n'est pas valide
card-expired = Cette carte a expiré
cvc-invalid = Le cryptogramme (CVC) doit comporter 3 ou 4 chiffres
holder-missing = Saisissez le nom figurant sur la carte
holder-too-long = Le nom sur la carte est trop long (100 caractères au plus)
phone-invalid = Le numéro de téléphone n'est pas valide
card-declined = Votre carte a été refusée.
card-authentication-failed = Votre banque n'a pas pu confirmer ce paiement.
card-authentication-required = Votre banque vous demande de confirmer ce paiement.
challenge-heading = Confirmez ce paiement
challenge-body = Votre banque vous demande de confirmer le paiement de { $amount }.
challenge-pass = Confirmer
challenge-fail = Échouer la vérification
challenge-sandbox = Sandbox : cette page tient lieu de la vérification 3-D Secure de votre banque. Aucun argent réel ne circule.
crina-declined = CRINA-PAY a refusé le paiement.
decline-insufficient-funds = Votre carte a été refusée : provision insuffisante.
decline-incorrect-cvc = Votre carte a été refusée : le cryptogramme (CVC) est incorrect.
decline-incorrect-number = Votre carte a été refusée : le numéro de carte est incorrect.
decline-try-again = Votre banque n'a pas pu traiter le paiement : réessayez dans un instant.
decline-authentication-required = Votre banque vous demande de confirmer ce paiement (3-D Secure).

## After paying
paid-title = Paiement reçu
paid-body = Votre commande { $reference } est confirmée ; votre facture arrive par email.
paid-body-subscription = Votre paiement est confirmé.
failed-title = Paiement refusé
failed-body = Rien n'a été débité. Les articles sont de retour dans votre panier : vous pouvez réessayer.
processing-title = Paiement en cours…
processing-body = Nous confirmons votre paiement de { $amount } auprès de { $shop }.
processing-refresh = Cette page se met à jour toute seule ; cela ne prend que quelques secondes.
expired-title = Cette session de paiement a expiré
expired-body = Rien n'a été débité. Les articles sont de retour dans votre panier : validez-le à nouveau pour payer.
unknown-title = Nous n'avons pas trouvé ce paiement
unknown-body = Si vous avez payé, vous recevrez une confirmation par email. Sinon, validez à nouveau votre panier depuis la boutique.
expired-session-body = Vos articles sont de retour dans votre panier : validez-le à nouveau pour payer.
nothing-to-pay = Rien à payer
closed-order = Cette commande ne peut plus être payée.
closed-subscription = Cet abonnement ne peut plus être payé.
unavailable-title = Paiement indisponible
session-not-found = Cette page de paiement n'existe pas.
went-wrong-title = Une erreur est survenue
went-wrong-body = Veuillez réessayer dans un instant.
