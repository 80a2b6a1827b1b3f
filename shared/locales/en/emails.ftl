# The emails to buyers and subscribers: each has a subject, a title (the heading of the HTML
# email) and lines. $shop is the shop's name, $reference an order's short reference.

email-footer = { $shop } — thank you for your trust.

## An order's amounts
line-item = { $quantity } × { $name } ({ $unit } each)
subtotal = Subtotal
discount = { $kind ->
    [volume] Volume discount
   *[promo] Promo code discount
  } ({ $percent }%)
discount-fixed = { $kind ->
    [volume] Volume discount
   *[promo] Promo code discount
  }
delivery-fee = Delivery
gift-fee = { $type ->
    [birthday] Gift wrapping (birthday)
    [wedding] Gift wrapping (wedding)
   *[simple] Gift wrapping
  }
total = Total
delivery-pickup = Pickup point: { $name }, { $address }
delivery-home = Home delivery: { $address }
paid-with = Paid with: { $method }
gift-message = Gift message: { $message }
no-method = —

## The invoice
invoice-subject = Invoice { $number } — order { $reference }
invoice-title = Invoice { $number }
invoice-thanks = Thank you for your order { $reference }.
invoice-seller = Seller: { $legal_name }, { $address }
invoice-vat-number = VAT number: { $vat_number }
invoice-buyer = Customer: { $buyer }
invoice-number = Invoice number { $number }
invoice-date = Date: { $date }
invoice-line = { $quantity } × { $name } — { $unit } incl. VAT each — VAT { $rate }% — { $excluding } excl. VAT — { $including } incl. VAT
invoice-total-excluding = Total excl. VAT
invoice-total-vat = VAT ({ $rate }%)
invoice-total-including = Total incl. VAT
invoice-column-item = Item
invoice-column-rate = VAT
invoice-column-excluding = Excl. VAT
invoice-column-including = Incl. VAT

## Order events
payment-failed-subject = Payment failed — order { $reference }
payment-failed-title = Payment failed
payment-failed-body = The payment of { $amount } for order { $reference } failed: { $reason }
payment-failed-reason = The payment was not accepted.
payment-failed-retry = Your items are back in your cart; you can try again.
order-cancelled-subject = Order { $reference } cancelled
order-cancelled-title = Order cancelled
order-cancelled-body = Your order { $reference } is cancelled.
order-cancelled-refund = { $amount } will be refunded to your { $method }.
late-payment-subject = Payment refunded — order { $reference }
late-payment-title = Payment refunded
late-payment-body = Your payment for order { $reference } arrived after the reservation expired and the items are no longer available.
late-payment-refunded = { $amount } has been refunded.

## Saved payment methods
method-saved-subject = Payment method saved — { $method }
method-saved-title = Payment method saved
method-saved-body = Your { $method } is saved for your next purchases and subscriptions.
method-saved-manage = You can see and delete your saved payment methods in your account.
card-pays-for = It pays for your subscription to { $plans }.
card-expiring-subject = Your { $method } expires soon
card-expiring-title = Your card expires soon
card-expiring-body = Your saved { $method } expires at the end of { $expiry }.
card-expiring-action = Save your new card at your next purchase so that your payments and subscriptions go on.
card-expired-subject = Your { $method } has expired
card-expired-title = Your card has expired
card-expired-body = Your saved { $method } expired at the end of { $expiry }: it can no longer be charged.
card-expired-action = Save a new card at your next purchase, or choose another for your subscriptions.

## Subscriptions
payment-method = payment method
trial-ends-subject = Your free trial of { $plan } ends on { $date }
trial-ends-title = Your free trial ends soon
trial-ends-body = Your free trial of { $plan } ends on { $date }.
trial-ends-then = Then { $price } a month will be charged to your { $method }.
charged-subject = Payment received — { $plan }, { $price }
charged-title = Subscription payment received
charged-body = { $price } was charged to your { $method } for { $plan }, from { $from } to { $to }.
charged-next = Next payment: { $date }.
charge-failed-attempt = (attempt { $attempt } of { $attempts })
charge-failed-subject = Payment failed — { $plan }{ $counted }
charge-failed-title = Subscription payment failed
charge-failed-body = The payment of { $price } for { $plan } failed{ $counted }.
charge-failed-with = Payment method: { $method }.
charge-failed-retry = We will try again on { $date }.
charge-failed-no-retry = No further attempt will be made with this payment method.
charge-failed-change = You can change your payment method in your account.
authentication-required-subject = Please confirm your payment — { $plan }
authentication-required-title = Your bank asks you to confirm a payment
authentication-required-body = Your bank asks you to confirm the payment of { $price } for { $plan }{ $counted }: it could not be taken without you.
authentication-required-link = Confirm it on this page: { $url }
authentication-required-retry = Until then, we will try again on { $date }.
authentication-required-button = Confirm the payment
suspended-subject = Subscription suspended — { $plan }
suspended-title = Subscription suspended
suspended-body = Every payment attempt for { $plan } failed: your subscription is suspended.
suspended-action = Change your payment method to reactivate it.
reactivated-subject = Subscription reactivated — { $plan }
reactivated-title = Subscription reactivated
reactivated-body = Your subscription to { $plan } is active again. Thank you.
cancel-scheduled-subject = Subscription cancelled — { $plan }
cancel-scheduled-title = Subscription cancelled
cancel-scheduled-body = Your subscription to { $plan } is cancelled: it ends on { $date } and nothing more will be charged.
cancelled-subject = Subscription ended — { $plan }
cancelled-title = Subscription ended
cancelled-body = Your subscription to { $plan } has ended. You can subscribe again at any time.

## An order's fulfilment and partial refunds (the operators' steps); the title names the
## step in the subject too.
order-update-subject = { $title } — order { $reference }
order-moved-title = Order update
order-moved-body = Your order { $reference } has moved on.
preparing-title = Order being prepared
preparing-body = Your order { $reference } is being prepared.
shipped-title = Order shipped
shipped-body = Your order { $reference } has shipped with { $carrier }, tracking number { $tracking }.
our-carrier = our carrier
ready-for-pickup-title = Order ready for pickup
ready-for-pickup-body = Your order { $reference } is ready for pickup.
delivered-title = Order delivered
delivered-body = Your order { $reference } has been delivered.
picked-up-title = Order picked up
picked-up-body = Your order { $reference } has been picked up. Enjoy!
partly-refunded-title = Refund
partly-refunded-body = { $amount } of your order { $reference } will be refunded to your { $method }.

## The stock managers' alert (in the shop's language)
low-stock-subject = Low stock: { $name }
low-stock-title = Low stock
low-stock-body = { $name } ({ $product_id }) has { $stock } left, under the threshold of { $threshold }.
