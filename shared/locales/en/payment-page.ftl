# The hosted payment page, its return page and its error pages. $shop is the shop's name.

payment-description = Order { $reference } ({ $count ->
    [one] { $count } item
   *[other] { $count } items
  })
confirm-description = Order { $reference } (your bank asks you to confirm)
confirm-subscription-description = Subscription { $plan } (your bank asks you to confirm)
subscription-description = Subscription { $plan } ({ $price } a month)
page-title = Pay { $amount } — { $shop }
pay-before = Pay before { $time } UTC
pay-button = Pay { $amount }
confirm-button = Confirm { $amount }
bank-confirms = Your bank asks you to confirm this payment with your saved card.
check-card = Please check your card.
stripe-footer = Card payments for { $shop } are taken by Stripe
check-fields = Please check the fields marked below.
choose-method = Choose a payment method.
save-method = Save this payment method for next time
sandbox-heading = Sandbox — test payments only
sandbox-intro = No real money moves.
secure-footer = Payment page of the sandbox provider for { $shop }
back-to-shop = Back to the shop

## The payment methods' forms
method-card = Card
method-crina-pay = CRINA-PAY
field-card_number = Card number
field-exp_month = Expiry month
field-exp_year = Expiry year
field-cvc = CVC
field-holder_name = Name on card
field-phone = Phone number
card-hint = Use any future expiry date, any 3-digit CVC and any name.
card-test-visa = Visa, approved
card-test-mastercard = Mastercard, approved
card-test-declined = declined
card-test-later-fails = approved and saved, but every later charge fails
card-test-authentication = asks for 3-D Secure: a challenge on this page, and every later charge needs you to confirm it
crina-test-outcomes = CRINA-PAY: any phone number is approved, except one ending in { $suffix }, which is declined
card-number-invalid = Card number is not valid
exp-month-invalid = Expiry month must be a number from 1 to 12
exp-year-invalid = Expiry year is not valid
card-expired = This card has expired
cvc-invalid = Security code (CVC) must be 3 or 4 digits
holder-missing = Enter the name on the card
holder-too-long = Name on the card is too long (100 characters at most)
phone-invalid = Phone number is not valid
card-declined = Your card was declined.
card-authentication-failed = Your bank could not confirm this payment.
card-authentication-required = Your bank asks you to confirm this payment.
challenge-heading = Confirm this payment
challenge-body = Your bank asks you to confirm the payment of { $amount }.
challenge-pass = Confirm
challenge-fail = Fail the check
challenge-sandbox = Sandbox: this stands for your bank's 3-D Secure check. No real money moves.
crina-declined = CRINA-PAY declined the payment.
decline-insufficient-funds = Your card was declined: insufficient funds.
decline-incorrect-cvc = Your card was declined: the security code (CVC) is incorrect.
decline-incorrect-number = Your card was declined: the card number is incorrect.
decline-try-again = Your bank could not process the payment: please try again in a moment.
decline-authentication-required = Your bank asks you to confirm this payment (3-D Secure).

## After paying
paid-title = Payment received
paid-body = Your order { $reference } is confirmed; your invoice is on its way by email.
paid-body-subscription = Your payment is confirmed.
failed-title = Payment failed
failed-body = Nothing was charged. The items are back in your cart, so you can try again.
processing-title = Payment processing…
processing-body = We are confirming your payment of { $amount } with { $shop }.
processing-refresh = This page refreshes by itself; it only takes a few seconds.
expired-title = This payment session has expired
expired-body = Nothing was charged. The items are back in your cart: check out again to pay.
unknown-title = We could not find this payment
unknown-body = If you paid, you will receive a confirmation by email. Otherwise, check out again from the shop.
expired-session-body = Your items are back in your cart: check out again to pay.
nothing-to-pay = Nothing to pay
closed-order = This order can no longer be paid.
closed-subscription = This subscription can no longer be paid.
unavailable-title = Payment unavailable
session-not-found = This payment page does not exist.
went-wrong-title = Something went wrong
went-wrong-body = Please try again in a moment.
