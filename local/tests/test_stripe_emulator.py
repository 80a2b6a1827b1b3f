"""local/stripe_emulator.py: localstripe on loopback with nothing on disk, and each gap of its
adapter, shown on localstripe alone (`--bare`, the gap) and adapted (Stripe's behaviour)."""
import json
import os
import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest import LocalServer, serving

PICKLE = "/tmp/localstripe.pickle"
KEY = "sk_test_capsule"


class Stripe(LocalServer):
    """One emulator process on a free loopback port, and calls to it as a Stripe client makes them."""

    def __init__(self, bare: bool):
        super().__init__("stripe_emulator.py", *(["--bare"] if bare else []))

    def call(self, method: str, path: str, form: dict | None = None, key: str | None = None):
        """(status, body, headers); `form` is form-encoded as a Stripe client sends it."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = {"Authorization": f"Bearer {KEY}"} | ({"Idempotency-Key": key} if key else {})
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.load(response), response.headers
        except urllib.error.HTTPError as error:
            return error.code, json.load(error), error.headers

    def create(self, path: str, form: dict, key: str | None = None) -> dict:
        status, body, _ = self.call("POST", path, form, key)
        assert status == 200, body
        return body

    def card(self, number: str) -> str:
        form = {"type": "card", "card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2030",
                "card[cvc]": "123"}
        return self.create("/v1/payment_methods", form)["id"]

    def customer(self) -> str:
        return self.create("/v1/customers", {"metadata[user_id]": "u1"})["id"]


@pytest.fixture(scope="module")
def adapted():
    yield from serving(Stripe(bare=False))


@pytest.fixture(scope="module")
def bare():
    yield from serving(Stripe(bare=True))


def _listening(port: int) -> set[str]:
    """The local addresses of the sockets listening on `port` (from /proc/net/tcp{,6})."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.rsplit(":", 1)
                if state == "0A" and int(hex_port, 16) == port:
                    found.add(address)
    return found


def _pickle_state():
    return os.stat(PICKLE).st_mtime_ns if os.path.exists(PICKLE) else None


def test_it_listens_on_loopback_only_starts_empty_and_writes_no_state_file(adapted):
    before = _pickle_state()
    assert _listening(adapted.port) == {"0100007F"}, "127.0.0.1 only, no IPv6 or wildcard socket"
    _, health, _ = adapted.call("GET", "/_capsule/health")
    assert health == {"localstripe": "1.15.10", "adapted": True}
    fresh = Stripe(bare=False)
    try:
        fresh.customer()
        status, customers, _ = fresh.call("GET", "/v1/customers")
        assert status == 200 and len(customers["data"]) == 1, "a new emulator holds only what it was given"
    finally:
        fresh.stop()
    assert _pickle_state() == before, f"{PICKLE} was written"


def _intent(customer: str, method: str, **extra) -> dict:
    return {"amount": "1000", "currency": "eur", "customer": customer, "payment_method": method,
            "confirm": "true", "metadata[order_id]": "o1"} | extra


def test_an_idempotency_key_replays_the_first_answer_and_refuses_other_parameters(adapted, bare):
    for stripe in (adapted, bare):
        customer, method = stripe.customer(), stripe.card("4242424242424242")
        first = stripe.create("/v1/payment_intents", _intent(customer, method), key=f"order:o1:{stripe.port}")
        status, again, headers = stripe.call("POST", "/v1/payment_intents", _intent(customer, method),
                                             key=f"order:o1:{stripe.port}")
        if stripe is bare:
            assert status == 200 and again["id"] != first["id"], "localstripe alone charges twice"
            continue
        assert (status, again["id"], headers["Idempotent-Replayed"]) == (200, first["id"], "true")
        status, error, _ = stripe.call("POST", "/v1/payment_intents", _intent(customer, method, amount="999"),
                                       key=f"order:o1:{stripe.port}")
        assert status == 400 and error["error"]["type"] == "idempotency_error", error
        _, charges, _ = stripe.call("GET", f"/v1/charges?customer={customer}")
        assert len(charges["data"]) == 1, "one charge for one key"


def test_a_refused_request_is_not_remembered_under_its_key(adapted):
    status, _, _ = adapted.call("POST", "/v1/payment_intents", {"amount": "-1", "currency": "eur"}, key="order:bad")
    assert status == 400
    created = adapted.create("/v1/payment_intents", {"amount": "100", "currency": "eur"}, key="order:bad")
    assert created["status"] == "requires_payment_method"


def test_setup_future_usage_is_accepted_and_the_card_is_saved_once_paid(adapted, bare):
    customer, method = bare.customer(), bare.card("4242424242424242")
    status, error, _ = bare.call("POST", "/v1/payment_intents",
                                 _intent(customer, method, setup_future_usage="off_session"))
    assert status == 400 and "setup_future_usage" in error["error"]["message"], "localstripe refuses it"

    customer, method = adapted.customer(), adapted.card("4242424242424242")
    paid = adapted.create("/v1/payment_intents", _intent(customer, method, setup_future_usage="off_session"))
    assert (paid["status"], paid["setup_future_usage"]) == ("succeeded", "off_session")
    _, saved, _ = adapted.call("GET", f"/v1/payment_methods?customer={customer}&type=card")
    assert [m["id"] for m in saved["data"]] == [method]
    status, _, _ = adapted.call("POST", "/v1/payment_intents",
                                _intent(customer, method, setup_future_usage="forever"))
    assert status == 400


def test_a_declined_payment_saves_nothing(adapted):
    customer, method = adapted.customer(), adapted.card("4000000000000341")
    status, _, _ = adapted.call("POST", "/v1/payment_intents",
                                _intent(customer, method, setup_future_usage="off_session"))
    assert status == 402
    _, saved, _ = adapted.call("GET", f"/v1/payment_methods?customer={customer}&type=card")
    assert saved["data"] == []


def test_off_session_3d_secure_is_stripes_402_authentication_required(adapted, bare):
    customer, method = bare.customer(), bare.card("4000002760003184")
    status, intent, _ = bare.call("POST", "/v1/payment_intents", _intent(customer, method, off_session="true"))
    assert (status, intent["status"]) == (200, "requires_action"), "localstripe alone asks for the action"

    customer, method = adapted.customer(), adapted.card("4000002760003184")
    status, body, _ = adapted.call("POST", "/v1/payment_intents", _intent(customer, method, off_session="true"))
    error = body["error"]
    assert status == 402
    assert (error["type"], error["code"], error["decline_code"]) == \
        ("card_error", "authentication_required", "authentication_required")
    left = error["payment_intent"]
    assert left["status"] == "requires_payment_method" and left["next_action"] is None
    _, read, _ = adapted.call("GET", f"/v1/payment_intents/{left['id']}")
    assert read["last_payment_error"]["code"] == "authentication_required"
    assert read["last_payment_error"]["payment_method"]["id"] == method


def test_on_session_3d_secure_still_asks_for_the_action_and_completes(adapted):
    customer, method = adapted.customer(), adapted.card("4000000000003220")
    intent = adapted.create("/v1/payment_intents", _intent(customer, method))
    assert intent["status"] == "requires_action" and intent["next_action"]["type"] == "use_stripe_sdk"
    path = f"/v1/payment_intents/{intent['id']}/_authenticate?success=true"
    done = adapted.create(path, {"client_secret": intent["client_secret"]})
    assert done["status"] == "succeeded"


def test_card_errors_are_card_errors_with_the_payment_intent(adapted, bare):
    customer, method = bare.customer(), bare.card("4000000000000341")
    status, body, _ = bare.call("POST", "/v1/payment_intents", _intent(customer, method))
    assert status == 402 and body["error"]["type"] == "invalid_request_error" and "payment_intent" not in body["error"]

    customer, method = adapted.customer(), adapted.card("4000000000000341")
    status, body, _ = adapted.call("POST", "/v1/payment_intents", _intent(customer, method))
    assert (status, body["error"]["type"], body["error"]["code"]) == (402, "card_error", "card_declined")
    assert body["error"]["payment_intent"]["status"] == "requires_payment_method"
    status, body, _ = adapted.call("POST", f"/v1/payment_methods/{adapted.card('4000000000000002')}/attach",
                                   {"customer": customer})
    assert (status, body["error"]["type"]) == (402, "card_error")


def test_4000000000000002_is_declined_when_charged(adapted, bare):
    status, intent, _ = bare.call("POST", "/v1/payment_intents",
                                  _intent(bare.customer(), bare.card("4000000000000002")))
    assert (status, intent["status"]) == (200, "succeeded"), "localstripe alone takes the money"
    status, body, _ = adapted.call("POST", "/v1/payment_intents",
                                   _intent(adapted.customer(), adapted.card("4000000000000002")))
    assert (status, body["error"]["code"]) == (402, "card_declined")


def _from_browser(stripe: Stripe, path: str, form: dict):
    """A call as Stripe.js makes it: no secret key, the publishable one in the form."""
    request = urllib.request.Request(stripe.url + path, data=urllib.parse.urlencode(form).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_item_6_stripe_js_confirms_with_the_card_typed_in_the_element(adapted, bare):
    card = {"payment_method_data[type]": "card", "payment_method_data[card][number]": "4242424242424242",
            "payment_method_data[card][exp_month]": "12", "payment_method_data[card][exp_year]": "2030",
            "payment_method_data[card][cvc]": "123"}
    for stripe, expected in ((bare, 401), (adapted, 200)):
        intent = stripe.create("/v1/payment_intents", {"amount": "2500", "currency": "eur",
                                                       "payment_method_types[0]": "card"})
        path = f"/v1/payment_intents/{intent['id']}/confirm"
        form = {"key": "pk_test_capsule", "client_secret": intent["client_secret"]} | card
        status, body = _from_browser(stripe, path, form)
        assert status == expected, body
    assert body["status"] == "succeeded" and body["payment_method"].startswith("pm_")
    wrong = {"key": "pk_test_capsule", "client_secret": intent["client_secret"] + "x"} | card
    assert _from_browser(adapted, path, wrong)[0] == 401
    with urllib.request.urlopen(adapted.url + "/js.stripe.com/v3/", timeout=10) as response:
        assert "payment_method_data[card][number]" in response.read().decode()


def test_item_6_stripe_js_confirms_a_renewal_again_with_the_customers_card_it_tried(adapted):
    customer, method = adapted.customer(), adapted.card("4000002760003184")
    adapted.create(f"/v1/payment_methods/{method}/attach", {"customer": customer})
    status, body, _ = adapted.call("POST", "/v1/payment_intents", _intent(customer, method, off_session="true"))
    left = body["error"]["payment_intent"]
    path = f"/v1/payment_intents/{left['id']}/confirm"
    browser = {"key": "pk_test_capsule", "client_secret": left["client_secret"]}
    other = adapted.card("4242424242424242")
    assert _from_browser(adapted, path, browser | {"payment_method": other})[0] == 400, "not the customer's card"
    status, intent = _from_browser(adapted, path, browser | {"payment_method": method})
    assert (status, intent["status"]) == (200, "requires_action"), intent
    done = adapted.create(f"/v1/payment_intents/{left['id']}/_authenticate?success=true",
                          {"client_secret": left["client_secret"]})
    assert done["status"] == "succeeded" and done["id"] == left["id"]
    with urllib.request.urlopen(adapted.url + "/js.stripe.com/v3/", timeout=10) as response:
        assert 'typeof data.payment_method === "string"' in response.read().decode()


def test_item_7_a_confirmed_setup_intent_attaches_its_card_to_its_customer(adapted, bare):
    for stripe, attached in ((bare, None), (adapted, True)):
        customer = stripe.customer()
        setup = stripe.create("/v1/setup_intents", {"customer": customer, "usage": "off_session"})
        method = stripe.card("4242424242424242")
        done = stripe.create(f"/v1/setup_intents/{setup['id']}/confirm", {"payment_method": method})
        assert done["status"] == "succeeded"
        _, read, _ = stripe.call("GET", f"/v1/payment_methods/{method}")
        assert (read["customer"] == customer if attached else read["customer"] is None), read
