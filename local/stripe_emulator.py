"""Start localstripe, a stateful Stripe emulator, on 127.0.0.1 and the given port, with a
small adapter for the gaps between it and Stripe that Capsule's tests meet.

localstripe (PyPI, GPL-3, by Adrien Vergé) is a pinned test tool (`requirements-dev.lock`),
never vendored: this launcher imports it and changes, from the outside, only what is listed
below. Its own CLI listens on every interface and keeps its state in /tmp/localstripe.pickle,
so it is not used: here it listens on loopback only, starts empty, and writes no pickle
(the store's `dump_to_disk` is replaced by nothing: each test's emulator is its own).

    .venv/bin/python local/stripe_emulator.py --port PORT [--bare]

`--bare` serves localstripe without the adapter (to show a gap in a test). Either way
`GET /_capsule/health` answers `{"localstripe": version, "adapted": bool}` without a key.

The adapter. Each item makes localstripe answer as Stripe documents; none removes or
softens a behaviour Stripe has:

1. Idempotency-Key. localstripe ignores it (a retried POST creates a second PaymentIntent).
   Stripe answers a POST whose key it has seen with the first answer (header
   `Idempotent-Replayed: true`) when the request is the same, and with 400
   `idempotency_error` when it is not. As at Stripe, only answers of requests that ran are
   kept (2xx and 402), not those refused for their parameters.
2. `setup_future_usage`. localstripe refuses the parameter (400 "Unexpected"). It is now
   accepted on PaymentIntents (`on_session` or `off_session`), shown on the object, and once
   the payment succeeds the PaymentMethod is attached to the PaymentIntent's customer, as
   Stripe does.
3. Off-session 3-D Secure. localstripe answers a card that wants authentication, confirmed
   with `off_session=true`, with 200 `requires_action`. Stripe fails it: 402 `card_error`
   `authentication_required` (also its `decline_code`) with the PaymentIntent in the error,
   left `requires_payment_method` with that error as `last_payment_error` (naming the
   method), to be confirmed again on-session.
4. Card errors. localstripe types its 402s `invalid_request_error` and names only the
   charge; Stripe types them `card_error`, and a PaymentIntent's confirmation carries the
   PaymentIntent in the error.
5. Test cards declined at charge. localstripe declines 4000000000000002 (and the other
   cards Stripe declines on attachment) only when attached to a customer; Stripe declines
   them when charged too.

6. Stripe.js with card data. localstripe's Stripe.js mock renders the card Element's inputs
   but its `confirmCardPayment` ignores them (it only plays the 3-D Secure modal), and its
   `confirm` takes no method and wants the secret key. As Stripe.js does, the page's
   `confirmCardPayment(secret, {payment_method: {card}})` now posts the card typed in the
   Element (`payment_method_data`) to `/v1/payment_intents/<id>/confirm` with the publishable
   key and the client secret (a wrong secret is 401, as at Stripe); a card that asks for 3-D
   Secure then gets the mock's challenge. `confirmCardPayment(secret, {payment_method:
   "pm_..."})` (a renewal's PaymentIntent confirmed again with the card it tried, which must
   be its customer's) posts that method the same way.

7. SetupIntents. localstripe leaves the confirmed SetupIntent's card unattached and sends no
   event. Stripe attaches the PaymentMethod to the SetupIntent's customer once it succeeds
   and sends `setup_intent.succeeded`; so does the adapter.

Not adapted (known, for later): it gives no `decline_code` for ordinary declines; it sends
only some events (none for a failed 3-D Secure challenge).
"""
import argparse
import json
import re
import sys
from dataclasses import dataclass

from aiohttp import web

import localstripe
from localstripe import resources
from localstripe.errors import UserError
from localstripe.resources import Event, PaymentIntent, PaymentMethod, SetupIntent, schedule_webhook, try_convert_to_bool

HEALTH = "/_capsule/health"
AUTHENTICATION_REQUIRED = "Your card was declined. This transaction requires authentication."


def _error(status: int, kind: str, message: str) -> web.Response:
    return web.json_response({"error": {"type": kind, "message": message}}, status=status)


@dataclass(frozen=True)
class _Answer:
    request: tuple
    status: int
    body: bytes
    content_type: str


class Idempotency:
    """Item 1: the first answer to each `Idempotency-Key`, replayed for the same request."""

    def __init__(self):
        self.answers: dict[str, _Answer] = {}

    @web.middleware
    async def middleware(self, request: web.Request, handler):
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or key is None:
            return await handler(request)
        sent = (request.path, request.query_string, await request.read())
        answer = self.answers.get(key)
        if answer is not None:
            if answer.request != sent:
                return _error(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters they were "
                    f"first used with. Try using a key other than '{key}' if you meant to execute a "
                    "different request.",
                )
            response = web.Response(status=answer.status, body=answer.body, content_type=answer.content_type)
            response.headers["Idempotent-Replayed"] = "true"
            return response
        # From here to the answer nothing yields (localstripe's handlers do not once the body
        # is read): two requests with one key never run at once, so Stripe's 409 for a key
        # still being served cannot arise here.
        response = await handler(request)
        if 200 <= response.status < 300 or response.status == 402:
            self.answers[key] = _Answer(sent, response.status, response.body, response.content_type)
        return response


def _setup_future_usage() -> None:
    """Item 2: accepted, shown, and the method attached to the customer on success."""
    init = PaymentIntent.__init__
    on_success = PaymentIntent._on_success

    def __init__(self, setup_future_usage=None, **kwargs):
        if setup_future_usage not in (None, "on_session", "off_session"):
            raise UserError(400, "Bad request")
        init(self, **kwargs)
        self.setup_future_usage = setup_future_usage

    def _on_success(self):
        if getattr(self, "setup_future_usage", None) and self.customer and self.payment_method:
            PaymentMethod._api_retrieve(self.payment_method).customer = self.customer
        on_success(self)

    PaymentIntent.__init__ = __init__
    PaymentIntent._on_success = _on_success


def _off_session_authentication() -> None:
    """Item 3: off-session `requires_action` becomes Stripe's 402 `authentication_required`."""
    api_create = PaymentIntent._api_create.__func__
    last_payment_error = PaymentIntent.last_payment_error.fget
    confirm = PaymentIntent._confirm

    def _api_create(cls, confirm=None, off_session=None, **data):
        obj = api_create(cls, confirm=confirm, off_session=off_session, **data)
        if try_convert_to_bool(off_session) is True and obj.status == "requires_action":
            obj.next_action = None
            obj._authentication_required = obj.payment_method
            obj.payment_method = None
            raise UserError(402, AUTHENTICATION_REQUIRED, {
                "code": "authentication_required",
                "decline_code": "authentication_required",
                "payment_intent": obj._export(),
            })
        return obj

    def _last_payment_error(self):
        method = getattr(self, "_authentication_required", None)
        if method is not None and self.payment_method is None:
            return {
                "code": "authentication_required",
                "decline_code": "authentication_required",
                "message": AUTHENTICATION_REQUIRED,
                "payment_method": PaymentMethod._api_retrieve(method)._export(),
                "type": "card_error",
            }
        return last_payment_error(self)

    def _confirm(self, on_failure_now):
        self._authentication_required = None
        confirm(self, on_failure_now)

    PaymentIntent._api_create = classmethod(_api_create)
    PaymentIntent.last_payment_error = property(_last_payment_error)
    PaymentIntent._confirm = _confirm


def _card_errors() -> None:
    """Item 4: 402s are `card_error`; a PaymentIntent's decline carries the PaymentIntent."""
    init = UserError.__init__
    report_failure = PaymentIntent._report_failure

    def __init__(self, code, message=None, contents=None):
        init(self, code, message, contents)
        if code == 402:
            self.body["error"]["type"] = "card_error"

    def _report_failure(self):
        try:
            report_failure(self)
        except UserError as error:
            if error.code == 402:
                error.body["error"].setdefault("payment_intent", self._export())
            raise

    UserError.__init__ = __init__
    PaymentIntent._report_failure = _report_failure


def _declined_at_charge() -> None:
    """Item 5: the cards Stripe declines are declined when charged, not only when attached."""
    charging_is_declined = PaymentMethod._charging_is_declined

    def _charging_is_declined(self):
        return charging_is_declined(self) or self._attaching_is_declined()

    PaymentMethod._charging_is_declined = _charging_is_declined


def _setup_intents() -> None:
    """Item 7: a SetupIntent that succeeds attaches its card to its customer, and says so."""
    attach = SetupIntent._attach_pm

    def _attach_pm(self, pm):
        attach(self, pm)
        if self.status == "succeeded":
            if self.customer is not None:
                pm.customer = self.customer
            schedule_webhook(Event("setup_intent.succeeded", self))

    SetupIntent._attach_pm = _attach_pm


_CLIENT_CONFIRM = re.compile(r"^/v1/payment_intents/(pi_\w+)/confirm$")

# Appended to localstripe's Stripe.js (item 6): its top-level LOCALSTRIPE_BASE_API is in scope.
_STRIPE_JS_CARD_DATA = """
(function () {
  const mock = Stripe;
  Stripe = function (key) {
    const stripe = mock(key);
    const challenge = stripe.confirmCardPayment;
    stripe.confirmCardPayment = async function (secret, data) {
      const card = data && data.payment_method && data.payment_method.card;
      const saved = data && typeof data.payment_method === "string" ? data.payment_method : null;
      if ((card && card.value) || saved) {
        const pi = secret.match(/^(pi_\\w+)_secret_/)[1];
        const form = new URLSearchParams(saved ? {key: key, client_secret: secret, payment_method: saved} : {
          key: key, client_secret: secret, "payment_method_data[type]": "card",
          "payment_method_data[card][number]": card.value.card.number,
          "payment_method_data[card][exp_month]": card.value.card.exp_month,
          "payment_method_data[card][exp_year]": card.value.card.exp_year,
          "payment_method_data[card][cvc]": card.value.card.cvc,
        });
        const response = await fetch(`${LOCALSTRIPE_BASE_API}/v1/payment_intents/${pi}/confirm`, {method: "POST", body: form});
        const intent = await response.json();
        if (intent.error) { return {error: intent.error}; }
        if (intent.status !== "requires_action") { return {paymentIntent: intent}; }
      }
      return challenge.call(this, secret, data);
    };
    return stripe;
  };
})();
"""


@web.middleware
async def _client_confirm(request: web.Request, handler):
    """Item 6: a PaymentIntent confirmed from the browser with the card typed in the Element."""
    match = _CLIENT_CONFIRM.match(request.path)
    if request.method == "GET" and request.path == "/js.stripe.com/v3/":
        response = await handler(request)
        return web.Response(text=response.text + _STRIPE_JS_CARD_DATA, content_type="application/javascript")
    if request.method != "POST" or match is None or "Authorization" in request.headers:
        return await handler(request)
    form = await request.post()
    try:
        if not str(form.get("key", "")).startswith("pk_"):
            raise UserError(401, "Unauthorized")
        intent = PaymentIntent._api_retrieve(match.group(1))
        if form.get("client_secret") != intent.client_secret:
            raise UserError(401, "Unauthorized")
        saved = form.get("payment_method")
        if saved is not None:
            method = PaymentMethod._api_retrieve(str(saved))
            if method.customer is None or method.customer != intent.customer:
                raise UserError(400, "The payment method is not the customer's")
        else:
            card = {name: form.get(f"payment_method_data[card][{name}]") for name in ("number", "exp_month", "exp_year", "cvc")}
            method = PaymentMethod._api_create(type="card", card=card)
        intent.payment_method = method.id
        intent._confirm(on_failure_now=intent._report_failure)
        return web.json_response(intent._export())
    except UserError as error:
        return web.json_response(error.body, status=error.code)


def build(adapt: bool = True) -> web.Application:
    """localstripe's application, empty, writing nothing to disk; adapted unless told not to."""
    resources.store.clear()
    resources.store.dump_to_disk = lambda: None
    if adapt:
        _setup_future_usage()
        _off_session_authentication()
        _card_errors()
        _declined_at_charge()
        _setup_intents()
    # Imported only now: the server module builds its routes from the patched classes.
    from localstripe.server import app

    @web.middleware
    async def health(request: web.Request, handler):
        if request.path == HEALTH:
            return web.json_response({"localstripe": localstripe.__version__, "adapted": adapt})
        return await handler(request)

    app.middlewares.insert(0, health)
    if adapt:
        app.middlewares.insert(1, Idempotency().middleware)
        app.middlewares.insert(2, _client_confirm)
    return app


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bare", action="store_true", help="localstripe without the adapter")
    args = parser.parse_args(argv)
    app = build(adapt=not args.bare)
    print(json.dumps({"listening": f"http://127.0.0.1:{args.port}", "adapted": not args.bare}), flush=True)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main(sys.argv[1:])
