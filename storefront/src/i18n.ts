// The storefront's words in French and English: the account's language (chosen at signup),
// else the one picked with the switch, else the browser's. Each text is written in English
// in the code, and `FR` says it in French; `{name}` marks a value.
import { session } from "./api.js";

export type Lang = "fr" | "en";

const CHOSEN_KEY = "capsule.lang";

const FR: Record<string, string> = {
  "Skip to content": "Aller au contenu",
  Main: "Principal",
  Shop: "Boutique",
  Plans: "Abonnements",
  Cart: "Panier",
  Orders: "Commandes",
  "Sign in": "Se connecter",
  Account: "Compte",
  "{n} items in cart": "{n} articles dans le panier",
  "A demo storefront of Capsule: it calls only the public API, from the browser.": "Une boutique de démonstration de Capsule : elle n'appelle que l'API publique, depuis le navigateur.",
  "Loading…": "Chargement…",
  Language: "Langue",
  "Not found": "Page introuvable",
  "Back to the shop": "Retour à la boutique",
  "Something went wrong in the page.": "Une erreur est survenue dans la page.",
  // The catalogue
  "was ": "au lieu de ",
  "Sale −{percent}%": "Soldes −{percent} %",
  "Sold out": "Épuisé",
  "Only {n} left": "Plus que {n}",
  "{n} in stock": "{n} en stock",
  "Add to cart": "Ajouter au panier",
  "Choose a quantity of at least 1.": "Choisissez une quantité d'au moins 1.",
  "{n} × {name} added to your cart.": "{n} × {name} ajouté à votre panier.",
  Quantity: "Quantité",
  "Search caps": "Chercher une casquette",
  Search: "Chercher",
  "More caps": "Plus de casquettes",
  "Caps matching “{q}”": "Casquettes pour « {q} »",
  "Our caps": "Nos casquettes",
  "No cap matches your search.": "Aucune casquette ne correspond à votre recherche.",
  "{n} cap shown.": "{n} casquette affichée.",
  "{n} caps shown.": "{n} casquettes affichées.",
  // The account
  "Signed in. Some caps could not be added: {problems}": "Connecté. Certaines casquettes n'ont pas pu être ajoutées : {problems}",
  "Signed in: your cart is here.": "Connecté : votre panier est là.",
  "Create my account": "Créer mon compte",
  "New here? Create an account": "Nouveau ? Créez un compte",
  Name: "Nom",
  Email: "Email",
  Password: "Mot de passe",
  "At least 8 characters.": "Au moins 8 caractères.",
  "Already a customer? Sign in": "Déjà client ? Connectez-vous",
  "Sign out": "Se déconnecter",
  "Signed out.": "Déconnecté.",
  "Your account": "Votre compte",
  "Signed in as {name} ({email}).": "Connecté en tant que {name} ({email}).",
  "Saved payment methods": "Moyens de paiement enregistrés",
  "Tick “save” on the payment page to pay in one click next time.": "Cochez « enregistrer » sur la page de paiement pour payer en un clic la prochaine fois.",
  "Your orders": "Vos commandes",
  "Your subscription": "Votre abonnement",
  "None yet.": "Aucun pour l'instant.",
  "Delete {method}": "Supprimer {method}",
  Delete: "Supprimer",
  "{method} deleted.": "{method} supprimé.",
  expired: "expirée",
  "expires soon": "expire bientôt",
  none: "aucun",
  "CRINA-PAY ending in {last4}": "CRINA-PAY se terminant par {last4}",
  "{brand} ending in {last4}": "{brand} se terminant par {last4}",
  " (expires {month}/{year})": " (expire le {month}/{year})",
  "Sign in first.": "Connectez-vous d'abord.",
  "Taking you to the secure payment page…": "Direction la page de paiement sécurisée…",
  // Cart, checkout, orders, plans and the API's errors
  "The shop's API cannot be reached. Check your connection and try again.": "L'API de la boutique est injoignable. Vérifiez votre connexion et réessayez.",
  "{product} ({available} left, you asked {requested})": "{product} ({available} restants, vous en demandez {requested})",
  "Not enough stock: {lines}.": "Stock insuffisant : {lines}.",
  "This cap is sold out.": "Cette casquette est épuisée.",
  "Only {n} left in stock.": "Plus que {n} en stock.",
  "Sale limit: at most {limit} of this cap per customer during the sale (you already have {already}).": "Limite des soldes : au plus {limit} de cette casquette par client pendant les soldes (vous en avez déjà {already}).",
  "This promo code is unknown, expired, used up, or your own.": "Ce code promo est inconnu, expiré, épuisé, ou le vôtre.",
  "Your cart is empty.": "Votre panier est vide.",
  "A checkout of this cart is awaiting payment: pay it or cancel it in your orders first.": "Une commande de ce panier attend son paiement : payez-la ou annulez-la d'abord dans vos commandes.",
  "An account already uses this email: sign in instead.": "Un compte utilise déjà cet email : connectez-vous.",
  "Wrong email or password.": "Email ou mot de passe incorrect.",
  "Too many failed sign-ins for this email: try again in 15 minutes.": "Trop d'échecs de connexion pour cet email : réessayez dans 15 minutes.",
  "This saved payment method no longer exists.": "Ce moyen de paiement enregistré n'existe plus.",
  "This card has expired: choose another method.": "Cette carte a expiré : choisissez un autre moyen.",
  "A subscription is charged to this method: give it another method first.": "Un abonnement est prélevé sur ce moyen : donnez-lui d'abord un autre moyen.",
  "This order can no longer be cancelled: the cancellation window has passed.": "Cette commande ne peut plus être annulée : le délai d'annulation est passé.",
  "This order cannot be cancelled.": "Cette commande ne peut pas être annulée.",
  "You already have this plan.": "Vous avez déjà cet abonnement.",
  "Your cart is too large for one order ({lines} products): split it in several orders.": "Votre panier est trop grand pour une commande ({lines} produits) : répartissez-le en plusieurs commandes.",
  "The payment provider does not answer: your order is placed; check your orders in a moment.": "Le prestataire de paiement ne répond pas : votre commande est passée ; consultez vos commandes dans un instant.",
  "The shop is busy: try again in a moment.": "La boutique est occupée : réessayez dans un instant.",
  "The shop's return address is not accepted by the API (is this origin allowed?).": "L'adresse de retour de la boutique n'est pas acceptée par l'API (cette origine est-elle autorisée ?).",
  "Please sign in again.": "Veuillez vous reconnecter.",
  "Something went wrong.": "Une erreur est survenue.",
  "Quantity of {name}": "Quantité de {name}",
  "Update": "Mettre à jour",
  "Remove {name}": "Retirer {name}",
  "Remove": "Retirer",
  "Cap": "Casquette",
  "Unit price": "Prix unitaire",
  "Total": "Total",
  "Your cart is empty. ": "Votre panier est vide. ",
  "Browse the caps.": "Voir les casquettes.",
  "Choose a quantity of 0 or more.": "Choisissez une quantité de 0 ou plus.",
  "{name} removed.": "{name} retiré.",
  "Your cart": "Votre panier",
  "Check out": "Commander",
  "Price breakdown": "Détail du prix",
  "Subtotal": "Sous-total",
  "Volume discount{percent}": "Remise sur quantité{percent}",
  "Promo code{code}": "Code promo{code}",
  "Total before fees": "Total avant frais",
  "Sale and 5% product discounts are in the unit prices. 5% off with more than 5 different caps of 2+ units each, 10% with more than 10 of 4+. Home delivery and gift wrapping fees are added at checkout.": "Les soldes et les remises produit de 5 % sont dans les prix unitaires. 5 % de remise avec plus de 5 casquettes différentes d'au moins 2 unités chacune, 10 % avec plus de 10 d'au moins 4. Les frais de livraison à domicile et de paquet cadeau s'ajoutent à la commande.",
  "Remove the code": "Retirer le code",
  "Promo code removed.": "Code promo retiré.",
  "Promo code {code} applied. ": "Code promo {code} appliqué. ",
  "Apply": "Appliquer",
  "Promo code applied.": "Code promo appliqué.",
  "Promo code": "Code promo",
  "Volume discounts, promo codes and fees are worked out once you sign in: your cart comes with you.": "Les remises sur quantité, codes promo et frais sont calculés une fois connecté : votre panier vous suit.",
  "Sign in to check out": "Se connecter pour commander",
  "Pickup point": "Point relais",
  "Address": "Adresse",
  "Address line 2 (optional)": "Complément d'adresse (facultatif)",
  "Postal code": "Code postal",
  "City": "Ville",
  "Country": "Pays",
  "No gift": "Pas de cadeau",
  "Simple gift wrap": "Paquet cadeau simple",
  "Birthday wrap": "Paquet anniversaire",
  "Wedding wrap": "Paquet mariage",
  "Gift (home delivery only)": "Cadeau (livraison à domicile uniquement)",
  "Wrapping": "Emballage",
  "Its fee is added to the total.": "Ses frais s'ajoutent au total.",
  "Message (optional)": "Message (facultatif)",
  "Delivery": "Livraison",
  "Pickup point (free)": "Point relais (gratuit)",
  "Payment": "Paiement",
  "Pay now with {method}": "Payer maintenant avec {method}",
  "Card, on the secure payment page": "Carte, sur la page de paiement sécurisée",
  "CRINA-PAY, on the secure payment page": "CRINA-PAY, sur la page de paiement sécurisée",
  "Offer to save my card or phone for next time": "Proposer d'enregistrer ma carte ou mon téléphone pour la prochaine fois",
  "Pay {amount}": "Payer {amount}",
  Pay: "Payer",
  "Gift wrap": "Paquet cadeau",
  "Total to pay": "Total à payer",
  "Stock is held for you while you pay.": "Le stock vous est réservé pendant le paiement.",
  "Checkout": "Commande",
  "Your order": "Votre commande",
  "Volume discount ({percent}%)": "Remise sur quantité ({percent} %)",
  "Promo code {code}": "Code promo {code}",
  "Promo code {code} ({percent}%)": "Code promo {code} ({percent} %)",
  "Home delivery": "Livraison à domicile",
  "Gift ({type})": "Cadeau ({type})",
  "simple": "simple",
  "birthday": "anniversaire",
  "wedding": "mariage",
  "Pickup at {name}, {address}": "Retrait à {name}, {address}",
  "Home: {address}": "Domicile : {address}",
  "card": "carte",
  "Cancel and refund": "Annuler et rembourser",
  "Cancel this checkout": "Annuler cette commande",
  "Cancel this order? It will be refunded in full.": "Annuler cette commande ? Elle sera remboursée en totalité.",
  "Cancel this checkout? The caps stay in your cart.": "Annuler cette commande ? Les casquettes restent dans votre panier.",
  "Order cancelled and refunded.": "Commande annulée et remboursée.",
  "Order cancelled.": "Commande annulée.",
  " · gift: {type}{message}": " · cadeau : {type}{message}",
  "Order of {date}": "Commande du {date}",
  "Placed {date}": "Passée le {date}",
  " · paid {date}": " · payée le {date}",
  " · refund {status}": " · remboursement {status}",
  "pending": "en cours",
  "refunded": "effectué",
  "Older orders": "Commandes plus anciennes",
  "No orders yet. ": "Pas encore de commande. ",
  "Find a cap.": "Trouver une casquette.",
  "Payment received, thank you! Your invoice is on its way by email.": "Paiement reçu, merci ! Votre facture arrive par email.",
  "The payment was declined: your caps are back in your cart.": "Le paiement a été refusé : vos casquettes sont de retour dans votre panier.",
  "The payment page expired: your caps are back in your cart.": "La page de paiement a expiré : vos casquettes sont de retour dans votre panier.",
  "This order is cancelled.": "Cette commande est annulée.",
  "Confirming your payment…": "Confirmation de votre paiement…",
  "Payment not completed": "Paiement non terminé",
  "All your orders": "Toutes vos commandes",
  "You left the payment page: the order awaits payment until it expires, or cancel it.": "Vous avez quitté la page de paiement : la commande attend son paiement jusqu'à son expiration, ou annulez-la.",
  "The payment is not confirmed yet: refresh in a moment.": "Le paiement n'est pas encore confirmé : actualisez dans un instant.",
  "A card, on the secure payment page": "Une carte, sur la page de paiement sécurisée",
  "Subscribe to {plan}": "S'abonner à {plan}",
  " a month": " par mois",
  "Subscribed to {plan}: {status}.": "Abonné à {plan} : {status}.",
  "Pay with": "Payer avec",
  "My subscription": "Mon abonnement",
  "Your first subscription starts with {days} days free: the card is collected now and charged when the trial ends.": "Votre premier abonnement commence par {days} jours gratuits : la carte est enregistrée maintenant et débitée à la fin de l'essai.",
  "Charged monthly.": "Prélevé chaque mois.",
  "Monthly plans": "Abonnements mensuels",
  " to see your subscription.": " pour voir votre abonnement.",
  "No subscription yet.": "Pas encore d'abonnement.",
  "Cancel": "Résilier",
  "Cancel {plan}?": "Résilier {plan} ?",
  "{plan} cancelled.": "{plan} résilié.",
  "{plan} — {price} a month ": "{plan} — {price} par mois ",
  "Free trial until": "Essai gratuit jusqu'au",
  "Ends on": "Se termine le",
  "Current period ends": "Fin de la période en cours",
  "Next charge": "Prochain prélèvement",
  "Charged to": "Prélevé sur",
  "Failed attempts": "Tentatives échouées",
  "Confirming your subscription…": "Confirmation de votre abonnement…",
  "Plans and my subscription": "Abonnements et mon abonnement",
  "Welcome to {plan}!": "Bienvenue dans {plan} !",
  "The subscription is not started: its payment was not completed.": "L'abonnement n'a pas commencé : son paiement n'a pas abouti.",
  "succeeded": "réussi",
  "failed": "échoué",
  "Awaiting payment": "En attente de paiement",
  "Paid": "Payée",
  "Payment failed": "Paiement refusé",
  "Expired": "Expirée",
  "Cancelled": "Annulée",
  "Incomplete": "Incomplet",
  "Free trial": "Essai gratuit",
  "Active": "Actif",
  "Past due": "En retard",
  "Suspended": "Suspendu",
};

/** The French texts, for the check that each is written for the same values. */
export const FRENCH: Readonly<Record<string, string>> = FR;

function browserLang(): Lang {
  return (navigator.languages ?? [navigator.language]).find((l) => /^(fr|en)\b/i.test(l))?.slice(0, 2).toLowerCase() === "fr"
    ? "fr"
    : "en";
}

/** The language the page speaks now. */
export function lang(): Lang {
  const chosen = localStorage.getItem(CHOSEN_KEY);
  if (chosen === "fr" || chosen === "en") return chosen;
  const account = session.user?.locale;
  return account ?? browserLang();
}

/** The switch: the page speaks `choice` from now on, in this browser. */
export function choose(choice: Lang): void {
  localStorage.setItem(CHOSEN_KEY, choice);
}

/** An account's language, taken at sign-in: it wins over an earlier choice in this browser. */
export function adoptAccount(locale: Lang | null | undefined): void {
  if (locale) localStorage.setItem(CHOSEN_KEY, locale);
}

/** `text` in the page's language, its `{name}` marks replaced by `values`. */
export function t(text: string, values: Record<string, string | number> = {}): string {
  const template = lang() === "fr" ? (FR[text] ?? text) : text;
  return template.replace(/\{(\w+)\}/g, (mark, name: string) => (name in values ? String(values[name]) : mark));
}

/** The page's fixed texts (`data-t` holds each one's English), in the page's language. */
export function translatePage(): void {
  document.documentElement.lang = lang();
  for (const node of document.querySelectorAll<HTMLElement>("[data-t]")) node.textContent = t(node.dataset.t ?? "");
  for (const node of document.querySelectorAll<HTMLElement>("[data-t-label]")) node.setAttribute("aria-label", t(node.dataset.tLabel ?? ""));
}
