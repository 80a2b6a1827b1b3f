// Built from storefront/src/ by `make storefront` (esbuild): edit the TypeScript, not this file.

// ../clients/typescript/src/index.ts
function createClient(options) {
  const call2 = (method) => (path, request = {}) => send(options, method, path, request);
  return {
    GET: call2("get"),
    POST: call2("post"),
    PUT: call2("put"),
    DELETE: call2("delete"),
    PATCH: call2("patch")
  };
}
async function send(options, method, path, request) {
  const headers = { accept: "application/json", ...request.header };
  const token = options.token?.();
  if (token) headers.authorization = `Bearer ${token}`;
  if (request.body !== void 0) headers["content-type"] = "application/json";
  const init = { method: method.toUpperCase(), headers };
  if (request.body !== void 0) init.body = JSON.stringify(request.body);
  if (request.signal) init.signal = request.signal;
  const response = await (options.fetch ?? fetch)(url(options.baseUrl, path, request), init);
  const text = await response.text();
  const json = parse(text);
  if (response.ok) return { ok: true, data: json, status: response.status, response };
  const error = isContractError(json) ? json.error : { code: "unexpected_answer", message: response.statusText || `HTTP ${response.status}`, details: { status: response.status, body: text } };
  return { ok: false, error, status: response.status, retryAfter: retryAfter(response.headers.get("retry-after")), response };
}
function url(baseUrl, path, request) {
  const filled = path.replace(/\{([^}]+)\}/g, (_, name) => {
    const value = request.path?.[name];
    if (value === void 0) throw new TypeError(`${path} needs its path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== void 0) query.set(name, String(value));
  }
  const search = query.toString();
  return `${baseUrl.replace(/\/$/, "")}${filled}${search ? `?${search}` : ""}`;
}
function parse(text) {
  if (!text) return void 0;
  try {
    return JSON.parse(text);
  } catch {
    return void 0;
  }
}
function isContractError(json) {
  if (typeof json !== "object" || json === null || !("error" in json)) return false;
  const error = json.error;
  if (typeof error !== "object" || error === null || !("code" in error) || !("message" in error)) return false;
  return typeof error.code === "string" && typeof error.message === "string";
}
function retryAfter(header, now = /* @__PURE__ */ new Date()) {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number.parseInt(value, 10);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now.getTime()) / 1e3));
}
var CapsuleError = class extends Error {
  error;
  code;
  status;
  retryAfter;
  constructor(error, status, retryAfter2 = null) {
    super(error.message);
    this.name = "CapsuleError";
    this.error = error;
    this.code = error.code;
    this.status = status;
    this.retryAfter = retryAfter2;
  }
};

// src/connection.ts
function tabSession(prefix, onClear = () => void 0) {
  const tokenKey = `${prefix}.token`;
  const userKey = `${prefix}.user`;
  return {
    get token() {
      return sessionStorage.getItem(tokenKey);
    },
    get user() {
      try {
        return JSON.parse(sessionStorage.getItem(userKey) ?? "null");
      } catch {
        return null;
      }
    },
    save(token, user) {
      sessionStorage.setItem(tokenKey, token);
      sessionStorage.setItem(userKey, JSON.stringify(user));
    },
    clear() {
      sessionStorage.removeItem(tokenKey);
      sessionStorage.removeItem(userKey);
      onClear();
    }
  };
}
function connect(session2) {
  return createClient({
    baseUrl: (window.CAPSULE_API || window.location.origin).replace(/\/$/, ""),
    token: () => session2.token
  });
}

// src/i18n.ts
var CHOSEN_KEY = "capsule.lang";
var FR = {
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
  // A field the API refused, in the buyer's words
  "A field of the form is not valid: check it and try again.": "Un champ du formulaire n'est pas valide : vérifiez-le et réessayez.",
  "Enter a valid email address.": "Saisissez une adresse email valide.",
  "Choose a password of 8 to 128 characters.": "Choisissez un mot de passe de 8 à 128 caractères.",
  "Enter your name (100 characters at most).": "Saisissez votre nom (100 caractères au plus).",
  "Enter a promo code: 3 to 32 letters, digits, - or _.": "Saisissez un code promo : 3 à 32 lettres, chiffres, - ou _.",
  "Enter the recipient's name.": "Saisissez le nom du destinataire.",
  "Enter the street and number.": "Saisissez le numéro et la rue.",
  "This address line is too long.": "Cette ligne d'adresse est trop longue.",
  "Enter a valid postal code.": "Saisissez un code postal valide.",
  "Enter the city.": "Saisissez la ville.",
  "Enter the country as two letters, such as FR.": "Saisissez le pays en deux lettres, comme FR.",
  "The gift message is too long (500 characters at most).": "Le message cadeau est trop long (500 caractères au plus).",
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
  "Suspended": "Suspendu"
};
function browserLang() {
  return (navigator.languages ?? [navigator.language]).find((l) => /^(fr|en)\b/i.test(l))?.slice(0, 2).toLowerCase() === "fr" ? "fr" : "en";
}
function lang() {
  const chosen = localStorage.getItem(CHOSEN_KEY);
  if (chosen === "fr" || chosen === "en") return chosen;
  const account = session.user?.locale;
  return account ?? browserLang();
}
function choose(choice) {
  localStorage.setItem(CHOSEN_KEY, choice);
}
function adoptAccount(locale) {
  if (locale) localStorage.setItem(CHOSEN_KEY, locale);
}
function t(text, values = {}) {
  const template = lang() === "fr" ? FR[text] ?? text : text;
  return template.replace(/\{(\w+)\}/g, (mark, name) => name in values ? String(values[name]) : mark);
}
function translatePage() {
  document.documentElement.lang = lang();
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t ?? "");
  for (const node of document.querySelectorAll("[data-t-label]")) node.setAttribute("aria-label", t(node.dataset.tLabel ?? ""));
}

// src/api.ts
var SIGNED_OUT = "capsule:signed-out";
var session = tabSession("capsule", () => window.dispatchEvent(new Event(SIGNED_OUT)));
var capsule = connect(session);
function problem(code, message, status = 400) {
  return new CapsuleError({ code, message }, status);
}
var isShopError = (error) => error instanceof CapsuleError;
async function call(pending) {
  let answer;
  try {
    answer = await pending;
  } catch {
    throw problem("network", t("The shop's API cannot be reached. Check your connection and try again."), 0);
  }
  if (answer.ok) return answer.data;
  if (answer.status === 401 && session.token) session.clear();
  throw new CapsuleError(answer.error, answer.status, answer.retryAfter);
}
function explain(error) {
  switch (error.code) {
    case "insufficient_stock": {
      const [line, ...others] = error.details.lines;
      if (line && others.length === 0) {
        return line.available === 0 ? t("This cap is sold out.") : t("Only {n} left in stock.", { n: line.available });
      }
      const lines = error.details.lines.map((l) => t("{product} ({available} left, you asked {requested})", { product: l.product_id, available: l.available, requested: l.requested }));
      return t("Not enough stock: {lines}.", { lines: lines.join(", ") });
    }
    case "sale_limit_exceeded":
      return t("Sale limit: at most {limit} of this cap per customer during the sale (you already have {already}).", { limit: error.details.limit, already: error.details.already });
    case "promo_code_not_found":
      return t("This promo code is unknown, expired, used up, or your own.");
    case "empty_cart":
      return t("Your cart is empty.");
    case "checkout_in_progress":
      return t("A checkout of this cart is awaiting payment: pay it or cancel it in your orders first.");
    case "email_taken":
      return t("An account already uses this email: sign in instead.");
    case "invalid_credentials":
      return t("Wrong email or password.");
    case "too_many_attempts":
      return t("Too many failed sign-ins for this email: try again in 15 minutes.");
    case "payment_method_not_found":
      return t("This saved payment method no longer exists.");
    case "payment_method_expired":
      return t("This card has expired: choose another method.");
    case "payment_method_in_use":
      return t("A subscription is charged to this method: give it another method first.");
    case "cancellation_window_elapsed":
      return t("This order can no longer be cancelled: the cancellation window has passed.");
    case "not_cancellable":
      return t("This order cannot be cancelled.");
    case "already_subscribed":
      return t("You already have this plan.");
    case "cart_too_large":
      return t("Your cart is too large for one order ({lines} products): split it in several orders.", { lines: error.details.lines });
    case "payment_unavailable":
      return t("The payment provider does not answer: your order is placed; check your orders in a moment.");
    case "service_unavailable":
      return t("The shop is busy: try again in a moment.");
    case "invalid_return_url":
      return t("The shop's return address is not accepted by the API (is this origin allowed?).");
    case "unauthorized":
      return t("Please sign in again.");
    case "invalid_request":
      return fieldProblem(error.details?.field) ?? (lang() === "en" && error.message ? error.message : t("A field of the form is not valid: check it and try again."));
    case "unexpected_answer":
      return error.details.status === 401 ? t("Please sign in again.") : error.message || t("Something went wrong.");
    default:
      return error.message || t("Something went wrong.");
  }
}
function fieldProblem(field2) {
  switch (field2) {
    case "/email":
      return t("Enter a valid email address.");
    case "/password":
      return t("Choose a password of 8 to 128 characters.");
    case "/name":
      return t("Enter your name (100 characters at most).");
    case "/quantity":
      return t("Choose a quantity of at least 1.");
    case "/code":
      return t("Enter a promo code: 3 to 32 letters, digits, - or _.");
    case "/delivery/address/name":
      return t("Enter the recipient's name.");
    case "/delivery/address/line1":
      return t("Enter the street and number.");
    case "/delivery/address/line2":
      return t("This address line is too long.");
    case "/delivery/address/postal_code":
      return t("Enter a valid postal code.");
    case "/delivery/address/city":
      return t("Enter the city.");
    case "/delivery/address/country":
      return t("Enter the country as two letters, such as FR.");
    case "/gift/message":
      return t("The gift message is too long (500 characters at most).");
    default:
      return void 0;
  }
}

// src/cart.ts
var GUEST_CART_KEY = "capsule.guest-cart";
var guestCart = {
  lines() {
    try {
      return JSON.parse(localStorage.getItem(GUEST_CART_KEY) ?? "null") ?? [];
    } catch {
      return [];
    }
  },
  save(lines) {
    localStorage.setItem(GUEST_CART_KEY, JSON.stringify(lines));
  },
  add(product, quantity) {
    const lines = this.lines();
    const line = lines.find((l) => l.product_id === product.product_id);
    const wanted = (line ? line.quantity : 0) + quantity;
    if (wanted > product.stock) {
      const lines2 = [{ product_id: product.product_id, requested: wanted, available: product.stock }];
      const shortage = { code: "insufficient_stock", message: "", details: { lines: lines2 } };
      throw new CapsuleError(shortage, 409);
    }
    if (line) line.quantity = wanted;
    else {
      lines.push({
        product_id: product.product_id,
        name: product.name,
        quantity,
        unit_price_cents: product.price_cents,
        unit_effective_price_cents: product.effective_price_cents
      });
    }
    this.save(lines);
  }
};
var cartCount = 0;
async function loadCart() {
  if (!session.token) {
    cartCount = guestCart.lines().reduce((n, l) => n + l.quantity, 0);
    renderHeader();
    return null;
  }
  return setCart(await call(capsule.GET("/cart")));
}
function setCart(cart) {
  cartCount = cart.total_quantity;
  renderHeader();
  return cart;
}
function forgetCart() {
  cartCount = 0;
}
async function signedIn(token, user, cart) {
  session.save(token, user);
  adoptAccount(user.locale);
  let merged = cart;
  const problems = [];
  for (const line of guestCart.lines()) {
    try {
      merged = await call(capsule.POST("/cart/items", { body: { product_id: line.product_id, quantity: line.quantity } }));
    } catch (error) {
      if (!isShopError(error)) throw error;
      problems.push(`${line.name}: ${explain(error.error)}`);
    }
  }
  guestCart.save([]);
  setCart(merged ?? await call(capsule.GET("/cart")));
  return problems;
}
function renderHeader() {
  const count = document.getElementById("cart-count");
  if (count) {
    count.textContent = String(cartCount);
    count.setAttribute("aria-label", t("{n} items in cart", { n: cartCount }));
  }
  const account = document.getElementById("account-link");
  if (account) account.textContent = session.user ? t("Account") : t("Sign in");
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang()));
  }
  const current = (window.location.hash.split("/")[1] || "shop").split("?")[0] || "shop";
  for (const link of document.querySelectorAll("[data-nav]")) {
    const active = link.dataset.nav === current || current === "order" && link.dataset.nav === "orders";
    if (active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

// src/h.ts
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === void 0) continue;
    if (typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = String(value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of flat(children)) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}
function flat(children) {
  return children.flatMap((child) => {
    if (child === null || child === void 0 || child === false) return [];
    return Array.isArray(child) ? flat(child) : [child];
  });
}

// src/dom.ts
function money(cents) {
  const sign = cents < 0 ? "−" : "";
  const abs = Math.abs(cents);
  const french = lang() === "fr";
  const euros = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, french ? " " : ",");
  const hundredths = String(abs % 100).padStart(2, "0");
  return french ? `${sign}${euros},${hundredths} €` : `${sign}€${euros}.${hundredths}`;
}
var date = (iso) => iso ? new Date(iso).toLocaleString(lang() === "fr" ? "fr-FR" : "en-GB", { dateStyle: "medium", timeStyle: "short" }) : "";
var STATUS_LABELS = {
  pending_payment: "Awaiting payment",
  paid: "Paid",
  payment_failed: "Payment failed",
  expired: "Expired",
  cancelled: "Cancelled",
  incomplete: "Incomplete",
  trialing: "Free trial",
  active: "Active",
  past_due: "Past due",
  suspended: "Suspended"
};
var statusLabel = (status) => t(STATUS_LABELS[status] ?? status);
function main() {
  const node = document.getElementById("main");
  if (!node) throw new Error("the page has no <main id=main>");
  return node;
}
function show(title, ...content) {
  const heading = h("h1", { tabindex: "-1" }, title);
  main().replaceChildren(heading, ...content);
  document.title = `${title} — Le Djoor`;
  document.documentElement.lang = lang();
  heading.focus();
}
function go(hash) {
  if (window.location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else window.location.hash = hash;
}
function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2)}`;
  input.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), input, hint ? h("small", {}, hint) : null);
}
var wait = (ms) => new Promise((resolve) => {
  setTimeout(resolve, ms);
});

// src/status.ts
var carried = null;
function say(message, { error = false, code = "" } = {}) {
  const status = document.getElementById("status");
  if (!status) return;
  status.textContent = message;
  status.classList.toggle("error", error);
  status.dataset.code = code;
}
function goSaying(hash, said) {
  carried = said;
  go(hash);
}
function startView() {
  const said = carried ?? { message: "" };
  carried = null;
  say(said.message, said);
}
function fail(error) {
  if (!isShopError(error)) {
    console.error(error);
    say(t("Something went wrong in the page."), { error: true, code: "script" });
    return;
  }
  const said = { message: explain(error.error), error: true, code: error.code };
  if (error.status === 401) goSaying("#/account", said);
  else say(said.message, said);
  markField(error.error.code === "invalid_request" ? error.error.details?.field : void 0);
}
function markField(pointer) {
  for (const marked of document.querySelectorAll("[aria-invalid]")) marked.removeAttribute("aria-invalid");
  if (!pointer) return;
  const input = document.querySelector(`[data-field="${CSS.escape(pointer)}"]`);
  if (!input) return;
  input.setAttribute("aria-invalid", "true");
  input.addEventListener("input", () => input.removeAttribute("aria-invalid"), { once: true });
  input.focus();
}
async function act(control, action) {
  if (control) control.disabled = true;
  try {
    return await action();
  } catch (error) {
    fail(error);
    return void 0;
  } finally {
    if (control) control.disabled = false;
  }
}
function actionForm(attrs, button, action, ...children) {
  const onsubmit = (event) => {
    event.preventDefault();
    void act(button, action);
  };
  return h("form", { ...attrs, onsubmit }, ...children);
}

// src/views/common.ts
function breakdown(rows) {
  return h(
    "dl",
    { class: "breakdown" },
    rows.filter((row) => row !== null).map(([label, value, attrs = {}]) => h("div", { class: attrs.class || "" }, h("dt", {}, label), h("dd", attrs.data || {}, value)))
  );
}
function describeMethod(method) {
  if (!method) return t("none");
  if (method.type === "crina_pay") return t("CRINA-PAY ending in {last4}", { last4: method.phone_last4 ?? "" });
  const expiry = "exp_month" in method && method.exp_month ? t(" (expires {month}/{year})", { month: String(method.exp_month).padStart(2, "0"), year: method.exp_year ?? "" }) : "";
  return t("{brand} ending in {last4}", { brand: method.brand ?? "", last4: method.last4 ?? "" }) + expiry;
}
function needsAccount(next) {
  goSaying(`#/account?next=${next}`, { message: t("Sign in first.") });
}
var paysOnPage = (method) => method === "card" || method === "crina_pay";
function toPaymentPage(url2) {
  say(t("Taking you to the secure payment page…"));
  window.location.assign(url2);
}
function returnUrls() {
  const here = window.location.origin + window.location.pathname;
  return { success_url: `${here}?return=success`, cancel_url: `${here}?return=cancel` };
}
function radio(name, value, label, checked2, id) {
  return h("div", { class: "choice" }, h("input", { type: "radio", name, value, id, checked: checked2 }), h("label", { for: id }, label));
}

// src/views/account.ts
function viewAccount(params) {
  const user = session.user;
  if (user) return viewSignedIn(user);
  const next = params.get("next");
  const after = (problems) => {
    const message = problems.length ? t("Signed in. Some caps could not be added: {problems}", { problems: problems.join(" ") }) : t("Signed in: your cart is here.");
    goSaying(next === "plans" ? "#/plans" : "#/cart", { message, error: problems.length > 0 });
  };
  show(t("Sign in"), h("div", { class: "columns" }, loginForm(after), signupForm(after)));
}
function signupForm(after) {
  const name = h("input", { type: "text", id: "signup-name", autocomplete: "name", required: true, maxlength: "100", "data-field": "/name" });
  const email = h("input", { type: "email", id: "signup-email", autocomplete: "email", required: true, "data-field": "/email" });
  const password = h("input", { type: "password", id: "signup-password", autocomplete: "new-password", required: true, minlength: "8", "data-field": "/password" });
  const signup = h("button", { type: "submit", id: "signup-submit" }, t("Create my account"));
  return actionForm(
    { "aria-labelledby": "signup-title" },
    signup,
    async () => {
      const created = await call(capsule.POST("/auth/signup", { body: { email: email.value, password: password.value, name: name.value, locale: lang() } }));
      const user = { user_id: created.user_id, email: email.value.trim().toLowerCase(), name: name.value.trim(), role: "customer", locale: lang() };
      after(await signedIn(created.token, user, null));
    },
    h("h2", { id: "signup-title" }, t("New here? Create an account")),
    field(t("Name"), name),
    field(t("Email"), email),
    field(t("Password"), password, t("At least 8 characters.")),
    signup
  );
}
function loginForm(after) {
  const email = h("input", { type: "email", id: "login-email", autocomplete: "username", required: true });
  const password = h("input", { type: "password", id: "login-password", autocomplete: "current-password", required: true });
  const login = h("button", { type: "submit", id: "login-submit" }, t("Sign in"));
  return actionForm(
    { "aria-labelledby": "login-title" },
    login,
    async () => {
      const answer = await call(capsule.POST("/auth/login", { body: { email: email.value, password: password.value } }));
      after(await signedIn(answer.token, answer.user, answer.cart));
    },
    h("h2", { id: "login-title" }, t("Already a customer? Sign in")),
    field(t("Email"), email),
    field(t("Password"), password),
    login
  );
}
async function viewSignedIn(user) {
  const methods = h("ul", { class: "methods", id: "methods" });
  const logout = h("button", { type: "button", class: "secondary" }, t("Sign out"));
  logout.addEventListener("click", () => {
    session.clear();
    forgetCart();
    void loadCart();
    goSaying("#/", { message: t("Signed out.") });
  });
  show(
    t("Your account"),
    h("p", {}, t("Signed in as {name} ({email}).", { name: user.name, email: user.email })),
    logout,
    h(
      "section",
      { "aria-labelledby": "methods-title" },
      h("h2", { id: "methods-title" }, t("Saved payment methods")),
      h("p", { class: "muted" }, t("Tick “save” on the payment page to pay in one click next time.")),
      methods
    ),
    h("p", {}, h("a", { href: "#/orders" }, t("Your orders")), " · ", h("a", { href: "#/plans" }, t("Your subscription")))
  );
  const list = await call(capsule.GET("/payment-methods"));
  if (list.items.length === 0) methods.append(h("li", {}, t("None yet.")));
  for (const method of list.items) {
    const remove = h("button", { type: "button", class: "secondary", "aria-label": t("Delete {method}", { method: describeMethod(method) }) }, t("Delete"));
    remove.addEventListener(
      "click",
      () => void act(remove, async () => {
        await call(capsule.DELETE("/payment-methods/{payment_method_id}", { path: { payment_method_id: method.payment_method_id } }));
        say(t("{method} deleted.", { method: describeMethod(method) }));
        await viewSignedIn(user);
      })
    );
    const state = method.type === "card" && method.expired ? h("span", { class: "tag sale" }, t("expired")) : method.type === "card" && method.expiring_soon ? h("span", { class: "tag" }, t("expires soon")) : null;
    methods.append(h("li", { "data-method-id": method.payment_method_id }, describeMethod(method), state, " ", remove));
  }
}

// src/views/cart.ts
function lineRow(line, editable) {
  const discounted = line.unit_effective_price_cents < line.unit_price_cents;
  const percent = Math.round(100 - line.unit_effective_price_cents * 100 / line.unit_price_cents);
  const cells = [
    h("th", { scope: "row" }, line.name),
    h(
      "td",
      {},
      discounted ? [h("del", {}, money(line.unit_price_cents)), " ", money(line.unit_effective_price_cents), " ", h("span", { class: "tag" }, `−${percent}%`)] : money(line.unit_price_cents)
    )
  ];
  if (editable) {
    const quantity = h("input", {
      type: "number",
      min: "0",
      value: String(line.quantity),
      inputmode: "numeric",
      "aria-label": t("Quantity of {name}", { name: line.name })
    });
    const update = h("button", { type: "button", class: "secondary" }, t("Update"));
    const remove = h("button", { type: "button", class: "secondary", "aria-label": t("Remove {name}", { name: line.name }) }, t("Remove"));
    update.addEventListener("click", () => editable.set(line, Number.parseInt(quantity.value, 10), update));
    remove.addEventListener("click", () => editable.set(line, 0, remove));
    cells.push(h("td", { class: "qty" }, quantity, update, remove));
  } else {
    cells.push(h("td", {}, String(line.quantity)));
  }
  const total = "line_total_cents" in line ? line.line_total_cents : line.unit_effective_price_cents * line.quantity;
  cells.push(h("td", { class: "num" }, money(total)));
  return h("tr", { "data-product-id": line.product_id }, cells);
}
function linesTable(lines, editable) {
  return h(
    "table",
    { class: "lines" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, t("Cap")),
        h("th", { scope: "col" }, t("Unit price")),
        h("th", { scope: "col" }, t("Quantity")),
        h("th", { scope: "col", class: "num" }, t("Total"))
      )
    ),
    h(
      "tbody",
      {},
      lines.map((line) => lineRow(line, editable))
    )
  );
}
var emptyCart = () => h("p", { id: "cart-empty" }, t("Your cart is empty. "), h("a", { href: "#/" }, t("Browse the caps.")));
async function viewCart() {
  const cart = await loadCart();
  if (!cart) return viewGuestCart();
  if (cart.items.length === 0) return show(t("Your cart"), emptyCart());
  const editable = {
    set: (line, n, control) => void act(control, async () => {
      if (!Number.isInteger(n) || n < 0) throw problem("invalid_request", t("Choose a quantity of 0 or more."));
      const path = { product_id: line.product_id };
      setCart(
        n === 0 ? await call(capsule.DELETE("/cart/items/{product_id}", { path })) : await call(capsule.PUT("/cart/items/{product_id}", { path, body: { quantity: n } }))
      );
      say(n === 0 ? t("{name} removed.", { name: line.name }) : `${line.name}: ${n}.`);
      await viewCart();
    })
  };
  show(t("Your cart"), linesTable(cart.items, editable), summary(cart), promoCode(cart), h("p", {}, h("a", { class: "button", href: "#/checkout", id: "to-checkout" }, t("Check out"))));
}
function summary(cart) {
  const volume = cart.volume_discount_percent ? ` (${cart.volume_discount_percent}%)` : "";
  return h(
    "section",
    { "aria-labelledby": "summary-title", class: "summary", id: "cart-summary", "data-total-cents": cart.total_cents },
    h("h2", { id: "summary-title" }, t("Price breakdown")),
    breakdown([
      [t("Subtotal"), money(cart.subtotal_cents), { data: { "data-subtotal-cents": cart.subtotal_cents } }],
      [
        t("Volume discount{percent}", { percent: volume }),
        cart.volume_discount_cents ? money(-cart.volume_discount_cents) : t("none"),
        { data: { "data-volume-percent": cart.volume_discount_percent } }
      ],
      [t("Promo code{code}", { code: cart.promo_code ? ` ${cart.promo_code}` : "" }), cart.promo_discount_cents ? money(-cart.promo_discount_cents) : t("none")],
      [t("Total before fees"), money(cart.total_cents), { class: "total", data: { "data-total-cents": cart.total_cents } }]
    ]),
    h(
      "p",
      { class: "muted" },
      t("Sale and 5% product discounts are in the unit prices. 5% off with more than 5 different caps of 2+ units each, 10% with more than 10 of 4+. Home delivery and gift wrapping fees are added at checkout.")
    )
  );
}
function promoCode(cart) {
  if (cart.promo_code) {
    const remove = h("button", { type: "button", class: "link" }, t("Remove the code"));
    remove.addEventListener(
      "click",
      () => void act(remove, async () => {
        setCart(await call(capsule.DELETE("/cart/promo-code")));
        say(t("Promo code removed."));
        await viewCart();
      })
    );
    return h("p", {}, t("Promo code {code} applied. ", { code: cart.promo_code }), remove);
  }
  const code = h("input", { type: "text", id: "promo", autocomplete: "off", maxlength: "64", "data-field": "/code" });
  const apply = h("button", { type: "submit", class: "secondary" }, t("Apply"));
  return actionForm(
    { class: "inline" },
    apply,
    async () => {
      setCart(await call(capsule.POST("/cart/promo-code", { body: { code: code.value } })));
      say(t("Promo code applied."));
      await viewCart();
    },
    field(t("Promo code"), code),
    apply
  );
}
function viewGuestCart() {
  const lines = guestCart.lines();
  if (lines.length === 0) return show(t("Your cart"), emptyCart());
  const editable = {
    set: (line, n) => {
      if (!Number.isInteger(n) || n < 0) return fail(problem("invalid_request", t("Choose a quantity of 0 or more.")));
      const kept = guestCart.lines().map((l) => l.product_id === line.product_id ? { ...l, quantity: n } : l).filter((l) => l.quantity > 0);
      guestCart.save(kept);
      void loadCart();
      viewGuestCart();
    }
  };
  const subtotal = lines.reduce((sum, l) => sum + l.unit_effective_price_cents * l.quantity, 0);
  show(
    t("Your cart"),
    linesTable(lines, editable),
    h(
      "section",
      { class: "summary", id: "cart-summary", "aria-labelledby": "summary-title" },
      h("h2", { id: "summary-title" }, t("Price breakdown")),
      breakdown([[t("Subtotal"), money(subtotal), { data: { "data-subtotal-cents": subtotal } }]]),
      h("p", { class: "muted" }, t("Volume discounts, promo codes and fees are worked out once you sign in: your cart comes with you."))
    ),
    h("p", {}, h("a", { class: "button", href: "#/account?next=cart", id: "to-signin" }, t("Sign in to check out")))
  );
}

// src/views/checkout.ts
async function viewCheckout() {
  if (!session.token) return needsAccount("cart");
  const [cart, points, methods] = await Promise.all([loadCart(), call(capsule.GET("/pickup-points")), call(capsule.GET("/payment-methods"))]);
  if (!cart || cart.items.length === 0) return go("#/cart");
  const pickupSelect = h(
    "select",
    { id: "pickup-point" },
    points.items.map((p) => h("option", { value: p.pickup_point_id }, `${p.name} — ${p.address}`))
  );
  const address = {
    name: h("input", { type: "text", id: "addr-name", autocomplete: "name", value: session.user?.name || "", "data-field": "/delivery/address/name" }),
    line1: h("input", { type: "text", id: "addr-line1", autocomplete: "address-line1", "data-field": "/delivery/address/line1" }),
    line2: h("input", { type: "text", id: "addr-line2", autocomplete: "address-line2", "data-field": "/delivery/address/line2" }),
    postal_code: h("input", { type: "text", id: "addr-postal", autocomplete: "postal-code", "data-field": "/delivery/address/postal_code" }),
    city: h("input", { type: "text", id: "addr-city", autocomplete: "address-level2", "data-field": "/delivery/address/city" }),
    country: h("input", { type: "text", id: "addr-country", autocomplete: "country", value: "FR", "data-field": "/delivery/address/country" })
  };
  const pickupBox = h("div", { id: "pickup-fields" }, field(t("Pickup point"), pickupSelect));
  const homeBox = h(
    "div",
    { id: "home-fields", hidden: true },
    field(t("Name"), address.name),
    field(t("Address"), address.line1),
    field(t("Address line 2 (optional)"), address.line2),
    field(t("Postal code"), address.postal_code),
    field(t("City"), address.city),
    field(t("Country"), address.country)
  );
  const giftType = h(
    "select",
    { id: "gift-type" },
    h("option", { value: "" }, t("No gift")),
    h("option", { value: "simple" }, t("Simple gift wrap")),
    h("option", { value: "birthday" }, t("Birthday wrap")),
    h("option", { value: "wedding" }, t("Wedding wrap"))
  );
  const giftMessage = h("textarea", { id: "gift-message", maxlength: "500", rows: "2", "data-field": "/gift/message" });
  const giftBox = h(
    "fieldset",
    { id: "gift-fields", disabled: true },
    h("legend", {}, t("Gift (home delivery only)")),
    field(t("Wrapping"), giftType, t("Its fee is added to the total.")),
    field(t("Message (optional)"), giftMessage)
  );
  const delivery = h(
    "fieldset",
    {},
    h("legend", {}, t("Delivery")),
    radio("delivery", "pickup", t("Pickup point (free)"), true, "delivery-pickup"),
    radio("delivery", "home", t("Home delivery"), false, "delivery-home"),
    pickupBox,
    homeBox
  );
  delivery.addEventListener("change", () => {
    const home = checked(delivery, "delivery") === "home";
    homeBox.hidden = !home;
    pickupBox.hidden = home;
    giftBox.disabled = !home;
  });
  const choice = () => {
    const home = checked(delivery, "delivery") === "home";
    const gift = giftType.value;
    return {
      delivery: home ? { mode: "home", address: addressOf(address) } : { mode: "pickup", pickup_point_id: pickupSelect.value },
      gift: home && isGiftType(gift) ? { type: gift, ...giftMessage.value.trim() ? { message: giftMessage.value.trim() } : {} } : null
    };
  };
  const usable = methods.items.filter((m) => !(m.type === "card" && m.expired));
  const payment = h(
    "fieldset",
    {},
    h("legend", {}, t("Payment")),
    usable.map((m, i) => radio("payment", m.payment_method_id, t("Pay now with {method}", { method: describeMethod(m) }), i === 0, `pay-${m.payment_method_id}`)),
    radio("payment", "card", t("Card, on the secure payment page"), usable.length === 0, "pay-card"),
    radio("payment", "crina_pay", t("CRINA-PAY, on the secure payment page"), false, "pay-crina"),
    h("div", { class: "choice" }, h("input", { type: "checkbox", id: "save-method" }), h("label", { for: "save-method" }, t("Offer to save my card or phone for next time")))
  );
  const save = payment.querySelector("#save-method");
  const submit = h("button", { type: "submit", id: "place-order" }, t("Pay"));
  const fees = h("div", { id: "quote" });
  let asked = 0;
  const requote = async () => {
    const ask = ++asked;
    let shown;
    let total = null;
    try {
      const quote = await call(capsule.POST("/cart/quote", { body: choice() }));
      total = quote.total_cents;
      shown = breakdown([
        [t("Delivery"), money(quote.delivery_fee_cents)],
        quote.gift_fee_cents ? [t("Gift wrap"), money(quote.gift_fee_cents)] : null,
        [t("Total to pay"), money(quote.total_cents), { class: "total", data: { id: "quote-total" } }]
      ]);
    } catch (error) {
      shown = h("p", { class: "muted", id: "quote-missing" }, isShopError(error) ? explain(error.error) : "");
    }
    if (ask !== asked) return;
    fees.replaceChildren(shown);
    submit.textContent = total === null ? t("Pay") : t("Pay {amount}", { amount: money(total) });
    if (total === null) delete submit.dataset.totalCents;
    else submit.dataset.totalCents = String(total);
  };
  const form = actionForm(
    { id: "checkout-form" },
    submit,
    async () => {
      const method = checked(form, "payment");
      const body = {
        payment_method: method,
        save_payment_method: save?.checked ?? false,
        ...choice(),
        ...paysOnPage(method) ? returnUrls() : {}
      };
      const placed = await call(capsule.POST("/checkout", { body }));
      if ("redirect_url" in placed) toPaymentPage(placed.redirect_url);
      else go(`#/order/${encodeURIComponent(placed.order_id)}`);
    },
    delivery,
    giftBox,
    payment,
    h("p", { class: "muted" }, t("Stock is held for you while you pay.")),
    submit
  );
  for (const part2 of [delivery, giftBox]) {
    part2.addEventListener("change", () => void requote());
    part2.addEventListener("input", () => void requote());
  }
  show(
    t("Checkout"),
    h(
      "section",
      { "aria-labelledby": "recap-title", class: "summary" },
      h("h2", { id: "recap-title" }, t("Your order")),
      linesTable(cart.items, null),
      breakdown([
        [t("Subtotal"), money(cart.subtotal_cents)],
        cart.volume_discount_cents ? [t("Volume discount ({percent}%)", { percent: cart.volume_discount_percent }), money(-cart.volume_discount_cents)] : null,
        cart.promo_discount_cents ? [t("Promo code {code}", { code: cart.promo_code ?? "" }), money(-cart.promo_discount_cents)] : null,
        [t("Total before fees"), money(cart.total_cents), { class: "total" }]
      ]),
      fees
    ),
    form
  );
  await requote();
}
function checked(within, name) {
  return within.querySelector(`input[name=${name}]:checked`)?.value ?? "";
}
var isGiftType = (value) => value === "simple" || value === "birthday" || value === "wedding";
function addressOf(inputs) {
  const text = (input) => input.value.trim();
  const line2 = text(inputs.line2);
  return {
    name: text(inputs.name),
    line1: text(inputs.line1),
    ...line2 ? { line2 } : {},
    postal_code: text(inputs.postal_code),
    city: text(inputs.city),
    country: text(inputs.country)
  };
}

// src/views/orders.ts
function discountLabel(d, code) {
  if (d.kind === "volume") return t("Volume discount ({percent}%)", { percent: d.percent ?? 0 });
  return d.percent === void 0 ? t("Promo code {code}", { code }) : t("Promo code {code} ({percent}%)", { code, percent: d.percent });
}
function orderBreakdown(order) {
  return breakdown([
    [t("Subtotal"), money(order.subtotal_cents)],
    ...order.discounts.map((d) => [
      discountLabel(d, order.promo_code || ""),
      money(-d.amount_cents)
    ]),
    order.delivery_fee_cents ? [t("Home delivery"), money(order.delivery_fee_cents)] : null,
    order.gift_fee_cents ? [t("Gift ({type})", { type: t(order.gift?.type ?? "") }), money(order.gift_fee_cents)] : null,
    [t("Total"), money(order.total_cents), { class: "total", data: { "data-total-cents": order.total_cents } }]
  ]);
}
function deliveryLine(delivery) {
  if (delivery.mode === "pickup") return t("Pickup at {name}, {address}", { name: delivery.name, address: delivery.address });
  const { name, line1, postal_code, city } = delivery.address;
  return t("Home: {address}", { address: [name, line1, postal_code, city].join(", ") });
}
function paymentLine(payment) {
  if (!payment) return "";
  const method = payment.method_type === "card" ? payment.brand || t("card") : "CRINA-PAY";
  return ` · ${method} ${payment.last4 ? `…${payment.last4}` : ""}`;
}
function cancelButton(order, refresh) {
  const paid = order.status === "paid";
  const cancel = h("button", { type: "button", class: "secondary", "data-cancel": order.order_id }, paid ? t("Cancel and refund") : t("Cancel this checkout"));
  cancel.addEventListener(
    "click",
    () => void act(cancel, async () => {
      if (!window.confirm(paid ? t("Cancel this order? It will be refunded in full.") : t("Cancel this checkout? The caps stay in your cart."))) return;
      const cancelled = await call(capsule.POST("/orders/{order_id}/cancel", { path: { order_id: order.order_id } }));
      say(cancelled.refund_status === "refunded" ? t("Order cancelled and refunded.") : t("Order cancelled."));
      await loadCart();
      if (refresh) await refresh();
    })
  );
  return cancel;
}
function orderCard(order, { heading = "h2", refresh } = {}) {
  const actions = h("p", { class: "actions" });
  if (order.status === "paid" || order.status === "pending_payment") actions.append(cancelButton(order, refresh));
  const gift = order.gift ? t(" · gift: {type}{message}", { type: t(order.gift.type), message: order.gift.message ? ` (“${order.gift.message}”)` : "" }) : "";
  return h(
    "article",
    { class: `order ${order.status}`, "data-order-id": order.order_id, "data-status": order.status },
    h(heading, {}, order.invoice_number || t("Order of {date}", { date: date(order.created_at) }), " ", h("span", { class: `state ${order.status}` }, statusLabel(order.status))),
    h(
      "p",
      { class: "muted" },
      t("Placed {date}", { date: date(order.created_at) }),
      order.paid_at ? t(" · paid {date}", { date: date(order.paid_at) }) : "",
      paymentLine(order.payment),
      order.refund_status ? t(" · refund {status}", { status: t(order.refund_status) }) : ""
    ),
    h(
      "ul",
      { class: "items" },
      order.items.map((l) => h("li", {}, `${l.quantity} × ${l.name} — ${money(l.line_total_cents)}`))
    ),
    h("p", {}, deliveryLine(order.delivery), gift),
    orderBreakdown(order),
    actions
  );
}
async function viewOrders() {
  if (!session.token) return needsAccount("orders");
  const list = h("div", { id: "orders" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, t("Older orders"));
  show(t("Your orders"), list, more);
  let cursor = null;
  const page = async () => {
    const answer = await call(capsule.GET("/orders", { query: { limit: 10, ...cursor ? { cursor } : {} } }));
    list.append(...answer.items.map((o) => orderCard(o, { refresh: viewOrders })));
    cursor = answer.next_cursor;
    more.hidden = !cursor;
    if (list.children.length === 0) list.append(h("p", {}, t("No orders yet. "), h("a", { href: "#/" }, t("Find a cap."))));
  };
  more.addEventListener("click", () => void act(more, page));
  await page();
}
var OUTCOMES = {
  paid: "Payment received, thank you! Your invoice is on its way by email.",
  payment_failed: "The payment was declined: your caps are back in your cart.",
  expired: "The payment page expired: your caps are back in your cart.",
  cancelled: "This order is cancelled."
};
async function viewOrder(orderId, params) {
  if (!session.token) return needsAccount("orders");
  const from = params.get("return");
  const box = h("div", { id: "order-outcome", "aria-busy": "true" }, h("p", {}, t("Confirming your payment…")));
  show(from === "cancel" ? t("Payment not completed") : t("Your order"), box, h("p", {}, h("a", { href: "#/orders", id: "to-orders" }, t("All your orders"))));
  const read = () => call(capsule.GET("/orders/{order_id}", { path: { order_id: orderId } }));
  let order = await read();
  for (let i = 0; order.status === "pending_payment" && from === "success" && i < 30; i += 1) {
    await wait(1e3);
    order = await read();
  }
  box.setAttribute("aria-busy", "false");
  const pending = from === "cancel" ? t("You left the payment page: the order awaits payment until it expires, or cancel it.") : t("The payment is not confirmed yet: refresh in a moment.");
  const message = order.status === "pending_payment" ? pending : t(OUTCOMES[order.status] ?? "");
  say(message, { error: order.status !== "paid" && order.status !== "cancelled", code: order.status });
  box.replaceChildren(h("p", { class: "lead" }, message), orderCard(order, { refresh: () => viewOrder(orderId, new URLSearchParams()) }));
  await loadCart();
}

// src/views/plans.ts
function planCard(plan, methods) {
  const choice = h(
    "select",
    { id: `plan-method-${plan.plan_id}` },
    methods.map((m) => h("option", { value: m.payment_method_id }, describeMethod(m))),
    h("option", { value: "card" }, t("A card, on the secure payment page")),
    h("option", { value: "crina_pay" }, t("CRINA-PAY, on the secure payment page"))
  );
  const subscribe = h("button", { type: "submit" }, t("Subscribe to {plan}", { plan: plan.name }));
  return h(
    "li",
    { class: "plan", "data-plan-id": plan.plan_id },
    h("h2", {}, plan.name),
    h("p", { class: "price" }, h("strong", {}, money(plan.price_cents)), t(" a month")),
    actionForm(
      {},
      subscribe,
      async () => {
        if (!session.token) return needsAccount("plans");
        const method = choice.value;
        const body = { plan_id: plan.plan_id, payment_method: method, ...paysOnPage(method) ? returnUrls() : {} };
        const created = await call(capsule.POST("/subscriptions", { body }));
        if (created.redirect_url) return toPaymentPage(created.redirect_url);
        say(t("Subscribed to {plan}: {status}.", { plan: plan.name, status: statusLabel(created.status).toLowerCase() }));
        return viewPlans();
      },
      session.token ? field(t("Pay with"), choice) : null,
      subscribe
    )
  );
}
async function viewPlans() {
  const plans = await call(capsule.GET("/plans"));
  const mine = h("section", { "aria-labelledby": "mine-title", id: "my-subscriptions" }, h("h2", { id: "mine-title" }, t("My subscription")));
  const methods = session.token ? (await call(capsule.GET("/payment-methods"))).items.filter((m) => !(m.type === "card" && m.expired)) : [];
  const trial = plans.trial_days > 0 ? t("Your first subscription starts with {days} days free: the card is collected now and charged when the trial ends.", { days: plans.trial_days }) : t("Charged monthly.");
  show(
    t("Monthly plans"),
    h("p", {}, trial),
    h(
      "ul",
      { class: "plans" },
      plans.items.map((plan) => planCard(plan, methods))
    ),
    mine
  );
  if (!session.token) {
    mine.append(h("p", {}, h("a", { href: "#/account?next=plans" }, t("Sign in")), t(" to see your subscription.")));
    return;
  }
  const subscriptions = await call(capsule.GET("/subscriptions"));
  if (subscriptions.items.length === 0) mine.append(h("p", {}, t("No subscription yet.")));
  for (const sub of subscriptions.items.slice().reverse()) mine.append(subscriptionCard(sub));
}
function subscriptionCard(sub) {
  let cancel = null;
  if (sub.status !== "cancelled" && !sub.cancel_at_period_end) {
    const button = h("button", { type: "button", class: "secondary" }, t("Cancel"));
    button.addEventListener(
      "click",
      () => void act(button, async () => {
        if (!window.confirm(t("Cancel {plan}?", { plan: sub.plan_name }))) return;
        await call(capsule.POST("/subscriptions/{subscription_id}/cancel", { path: { subscription_id: sub.subscription_id } }));
        say(t("{plan} cancelled.", { plan: sub.plan_name }));
        await viewPlans();
      })
    );
    cancel = button;
  }
  return h(
    "article",
    { class: "subscription", "data-subscription-id": sub.subscription_id, "data-status": sub.status },
    h("h3", {}, t("{plan} — {price} a month ", { plan: sub.plan_name, price: money(sub.price_cents) }), h("span", { class: `state ${sub.status}` }, statusLabel(sub.status))),
    breakdown([
      sub.trial_ends_at ? [t("Free trial until"), date(sub.trial_ends_at)] : null,
      sub.current_period_end ? [sub.cancel_at_period_end ? t("Ends on") : t("Current period ends"), date(sub.current_period_end)] : null,
      [t("Next charge"), sub.next_charge_at ? date(sub.next_charge_at) : t("none")],
      [t("Charged to"), describeMethod(sub.payment_method)],
      sub.failed_attempts ? [t("Failed attempts"), String(sub.failed_attempts)] : null
    ]),
    sub.charges.length ? h(
      "ul",
      { class: "items" },
      sub.charges.map((c) => h("li", {}, `${date(c.at)}: ${money(c.amount_cents)} ${t(c.status)}`))
    ) : null,
    cancel
  );
}
async function viewSubscription(id, params) {
  if (!session.token) return needsAccount("plans");
  const box = h("div", { id: "subscription-outcome", "aria-busy": "true" }, h("p", {}, t("Confirming your subscription…")));
  show(t("Your subscription"), box, h("p", {}, h("a", { href: "#/plans" }, t("Plans and my subscription"))));
  const read = () => call(capsule.GET("/subscriptions/{subscription_id}", { path: { subscription_id: id } }));
  let sub = await read();
  for (let i = 0; sub.status === "incomplete" && sub.charges.length === 0 && params.get("return") === "success" && i < 30; i += 1) {
    await wait(1e3);
    sub = await read();
  }
  box.setAttribute("aria-busy", "false");
  const ok = sub.status === "trialing" || sub.status === "active";
  say(ok ? t("Welcome to {plan}!", { plan: sub.plan_name }) : t("The subscription is not started: its payment was not completed."), { error: !ok, code: sub.status });
  box.replaceChildren(subscriptionCard(sub));
}

// src/views/shop.ts
function priceTag(price, effective, discount) {
  const tag = h("p", { class: "price" });
  if (discount || effective < price) {
    tag.append(h("del", {}, h("span", { class: "visually-hidden" }, t("was ")), money(price)), " ");
  }
  tag.append(h("strong", {}, money(effective)));
  if (discount) {
    const label = discount.kind === "sale" ? t("Sale −{percent}%", { percent: discount.percent }) : `−${discount.percent}%`;
    tag.append(" ", h("span", { class: `tag ${discount.kind}` }, label));
  }
  return tag;
}
function stockNote(product) {
  if (product.stock <= 0) return h("p", { class: "stock out" }, t("Sold out"));
  if (product.low_stock) return h("p", { class: "stock low" }, t("Only {n} left", { n: product.stock }));
  return h("p", { class: "stock" }, t("{n} in stock", { n: product.stock }));
}
function productCard(product) {
  const quantity = h("input", {
    type: "number",
    min: "1",
    max: String(Math.max(1, product.stock)),
    value: "1",
    inputmode: "numeric",
    id: `qty-${product.product_id}`
  });
  const add = h("button", { type: "submit", disabled: product.stock <= 0 }, t("Add to cart"));
  const form = actionForm(
    { class: "add" },
    add,
    async () => {
      const n = Number.parseInt(quantity.value, 10);
      if (!Number.isInteger(n) || n < 1) throw problem("invalid_request", t("Choose a quantity of at least 1."));
      if (session.token) setCart(await call(capsule.POST("/cart/items", { body: { product_id: product.product_id, quantity: n } })));
      else {
        guestCart.add(product, n);
        await loadCart();
      }
      say(t("{n} × {name} added to your cart.", { n, name: product.name }));
    },
    h("label", { for: quantity.id }, t("Quantity")),
    quantity,
    add
  );
  return h(
    "li",
    { class: "product", "data-product-id": product.product_id },
    h(
      "article",
      { "aria-labelledby": `name-${product.product_id}` },
      product.image_url ? h("img", { class: "picture", src: product.image_url, alt: product.name, loading: "lazy" }) : null,
      h("h2", { id: `name-${product.product_id}` }, product.name),
      h("p", { class: "description" }, product.description),
      priceTag(product.price_cents, product.effective_price_cents, product.discount),
      stockNote(product),
      form
    )
  );
}
async function viewShop(params) {
  const q = params.get("q") || "";
  const search = h("input", { type: "search", name: "q", id: "search", value: q, maxlength: "100", autocomplete: "off" });
  const onsubmit = (event) => {
    event.preventDefault();
    const value = search.value.trim();
    go(value ? `#/?q=${encodeURIComponent(value)}` : "#/");
  };
  const form = h(
    "form",
    { role: "search", class: "search", onsubmit },
    h("label", { for: "search" }, t("Search caps")),
    search,
    h("button", { type: "submit" }, t("Search"))
  );
  const list = h("ul", { class: "products", id: "products" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, t("More caps"));
  const summary2 = h("p", { id: "results", class: "muted" });
  show(q ? t("Caps matching “{q}”", { q }) : t("Our caps"), form, summary2, list, more);
  let cursor = null;
  const page = async () => {
    const query = { limit: 12, ...q ? { q } : {}, ...cursor ? { cursor } : {} };
    const answer = await call(capsule.GET("/products", { query }));
    list.append(...answer.items.map(productCard));
    cursor = answer.next_cursor;
    more.hidden = !cursor;
    const shown = list.children.length;
    summary2.textContent = shown === 0 ? t("No cap matches your search.") : t(shown > 1 ? "{n} caps shown." : "{n} cap shown.", { n: shown });
  };
  more.addEventListener("click", () => void act(more, page));
  await page();
}

// src/main.ts
var part = (match, n) => decodeURIComponent(match[n] ?? "");
var routes = [
  [/^#?\/?$/, (_, params) => viewShop(params)],
  [/^#\/cart$/, () => viewCart()],
  [/^#\/checkout$/, () => viewCheckout()],
  [/^#\/account$/, (_, params) => viewAccount(params)],
  [/^#\/orders$/, () => viewOrders()],
  [/^#\/order\/([^/]+)$/, (match, params) => viewOrder(part(match, 1), params)],
  [/^#\/plans$/, () => viewPlans()],
  [/^#\/subscription\/([^/]+)$/, (match, params) => viewSubscription(part(match, 1), params)]
];
async function route() {
  if (window.location.hash && !window.location.hash.startsWith("#/") && main().dataset.view) return;
  const [path = "#/", query = ""] = (window.location.hash || "#/").split("?");
  const params = new URLSearchParams(query);
  startView();
  translatePage();
  renderHeader();
  const found = routes.find(([pattern]) => pattern.test(path)) ?? (path.startsWith("#/") ? null : routes[0]);
  main().dataset.view = path;
  const match = found && path.match(found[0]);
  if (!found || !match) {
    show(t("Not found"), h("p", {}, h("a", { href: "#/" }, t("Back to the shop"))));
    return;
  }
  try {
    await found[1](match, params);
  } catch (error) {
    fail(error);
  }
}
function takeReturn() {
  const search = new URLSearchParams(window.location.search);
  const outcome = search.get("return");
  if (!outcome) return;
  const order = search.get("order_id");
  const subscription = search.get("subscription_id");
  const target = order ? `#/order/${encodeURIComponent(order)}?return=${outcome}` : subscription ? `#/subscription/${encodeURIComponent(subscription)}?return=${outcome}` : "#/orders";
  window.history.replaceState(null, "", window.location.pathname + target);
}
for (const button of document.querySelectorAll("[data-lang]")) {
  button.addEventListener("click", () => {
    const locale = button.dataset.lang;
    choose(locale);
    const token = session.token;
    if (token) {
      void call(capsule.PATCH("/account", { body: { locale } })).then((user) => session.save(token, user)).catch(fail);
    }
    void route();
  });
}
window.addEventListener("hashchange", () => void route());
window.addEventListener(SIGNED_OUT, renderHeader);
takeReturn();
loadCart().catch(fail);
void route();
