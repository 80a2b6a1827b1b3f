//! An order's next state: the one place that decides what a plan of the lifecycle does to
//! the order itself. Pure; the store writes its result (`Store::apply`) and the service
//! renders the effects from the order it leaves (`OrderChange::applied_to`).
use chrono::{DateTime, Utc};
use serde_json::json;

use super::Cause;
use crate::domain::fulfilment::{Return, ReturnError};
use crate::domain::lifecycle::Plan;
use crate::domain::order::{OrderPayment, OrderStatus, RefundStatus};
use crate::http::error::ApiError;
use crate::store::{Listing, OrderChange, OrderFields, OrderRecord, RefundRecord};

/// An order's move, and the partial refund it makes (the units returned, its record).
pub(super) struct Move {
    pub change: OrderChange,
    pub returned: Option<Return>,
    pub refund: Option<RefundRecord>,
}

impl OrderRecord {
    /// The move `plan` makes at `at`, for `cause` (the payment that pays it, the
    /// fulfilment step, the refund an operator asks).
    pub(super) fn apply(&self, plan: &Plan, cause: Cause<'_>, at: DateTime<Utc>) -> Result<Move, ApiError> {
        let mut set = OrderFields::default();
        let (mut returned, mut refund) = (None, None);
        match cause {
            Cause::Payment(payment) if plan.to == OrderStatus::Paid => {
                set.paid_at = Some(at);
                set.payment_id = Some(payment.payment_id.clone());
                set.payment = Some(OrderPayment::from(&payment.method));
            }
            Cause::Fulfil(step) if plan.fulfilment.is_some() => {
                set.fulfilment = Some(step.after(self.fulfilment.as_ref()));
            }
            Cause::Refund(ask) | Cause::RefundedAtProvider(ask) if plan.partial_refund => {
                let back = Return::plan(&self.order, &self.shard_holds(), ask.amount_cents, ask.lines.clone())
                    .map_err(refund_refused)?;
                set.refunded_cents = Some(self.refunded_cents + back.amount_cents);
                set.refunded_now = Some(back.amount_cents);
                if !back.lines.is_empty() {
                    set.stock_holds = Some(back.holds_after.clone());
                }
                let at_provider = matches!(cause, Cause::RefundedAtProvider(_));
                refund =
                    Some(RefundRecord { at_provider, ..RefundRecord::new(&self.order_id, ask, back.amount_cents, at) });
                returned = Some(back);
            }
            _ if plan.to == OrderStatus::Paid && self.status != OrderStatus::Paid => {
                return Err(ApiError::Internal("paid without a payment".into()))
            }
            _ => {}
        }
        if plan.to == OrderStatus::Cancelled {
            set.cancelled_at = Some(at);
        }
        if plan.refund {
            // Nothing left to give back when operators refunded it all before.
            set.refund_status = Some(match self.total_cents > self.refunded_cents {
                true => RefundStatus::Pending,
                false => RefundStatus::Refunded,
            });
        }
        // A paid order's place in the invoice index stays until it is numbered, whatever
        // happens to it next; a pending order leaves the expiry index with any move.
        let listing = match (plan.invoice, self.status) {
            (true, _) => Listing::InvoicesDue,
            (false, OrderStatus::PendingPayment) => Listing::Unlisted,
            (false, _) => Listing::Keep,
        };
        Ok(Move { change: OrderChange { to: plan.to, at, set, listing }, returned, refund })
    }
}

fn refund_refused(error: ReturnError) -> ApiError {
    match error {
        ReturnError::Invalid(e) => e.into(),
        ReturnError::AboveRefundable { asked, left } => ApiError::RefundExceedsPaid(json!({
            "amount_cents": asked,
            "refundable_cents": left,
        })),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;
    use crate::domain::lifecycle::{self, Decision, OrderEvent};
    use crate::domain::saved_method::MethodDetails;
    use crate::payments::{PaymentEvent, PaymentEventKind};
    use crate::store::keys;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 15, 10, 5, 0).single().expect("a time")
    }

    fn order(status: OrderStatus) -> OrderRecord {
        let mut order: OrderRecord = serde_json::from_value(json!({
            "pk": "ORDER#o-1", "sk": "ORDER", "gsi1pk": "USER#u-1#ORDERS", "gsi1sk": "s",
            "gsi2pk": keys::PENDING_ORDERS, "gsi2sk": "2026-03-15T10:30:00Z#o-1",
            "user_id": "u-1", "email": "ada@example.com", "payment_id": null, "commission_cents": 0,
            "order_id": "o-1", "invoice_number": null, "status": "pending_payment", "items": [],
            "subtotal_cents": 4980, "discounts": [],
            "delivery": {"mode": "pickup", "pickup_point_id": "pp-1", "name": "Relais", "address": "1 rue"},
            "delivery_fee_cents": 0, "gift": null, "gift_fee_cents": 0, "total_cents": 4980, "currency": "EUR",
            "payment": null, "promo_code": null,
            "created_at": "2026-03-15T10:00:00Z", "expires_at": "2026-03-15T10:30:00Z",
            "paid_at": null, "cancelled_at": null, "refund_status": null,
            "history": [{"status": "pending_payment", "at": "2026-03-15T10:00:00Z"}],
        }))
        .expect("an order");
        order.order.status = status;
        order
    }

    fn payment() -> PaymentEvent {
        PaymentEvent {
            event_id: "evt-1".into(),
            kind: PaymentEventKind::Succeeded,
            session_id: None,
            payment_id: "pay-1".into(),
            user_id: None,
            idempotency_key: None,
            order_id: Some("o-1".into()),
            subscription_id: None,
            amount_cents: 4980,
            currency: "EUR".into(),
            method: MethodDetails::undescribed("card", "fp"),
            save_method: false,
            method_token: None,
            failure_reason: None,
            decline_code: None,
            authentication_required: false,
            created: 0,
        }
    }

    fn plan(status: OrderStatus, event: OrderEvent) -> Plan {
        match lifecycle::plan(status, event) {
            Decision::Apply(plan) => plan,
            other => panic!("{status:?} + {event:?} applies nothing: {other:?}"),
        }
    }

    #[test]
    fn a_paid_order_records_its_payment_and_awaits_its_invoice_number() {
        let pending = order(OrderStatus::PendingPayment);
        let paid = plan(OrderStatus::PendingPayment, OrderEvent::PaymentSucceeded { same_payment: false });
        let payment = payment();
        let change = pending.apply(&paid, Cause::Payment(&payment), at()).expect("applies").change;
        let after = change.applied_to(&pending);
        assert_eq!(after.status, OrderStatus::Paid);
        assert_eq!((after.paid_at, after.payment_id.as_deref()), (Some(at()), Some("pay-1")));
        assert_eq!(after.payment.as_ref().map(|p| p.method_type.as_str()), Some("card"));
        assert_eq!(after.gsi2pk.as_deref(), Some(keys::INVOICES_DUE));
        assert_eq!(after.gsi2sk, Some(keys::invoice_due_sort(at(), "o-1")));
        assert_eq!(after.history.last().map(|h| (h.status, h.at)), Some((OrderStatus::Paid, at())));
        assert!(pending.apply(&paid, Cause::HoldExpired, at()).is_err(), "paid needs its payment");
    }

    #[test]
    fn a_pending_order_that_fails_leaves_the_expiry_listing_and_a_cancelled_one_keeps_its_place() {
        let pending = order(OrderStatus::PendingPayment);
        let failed =
            pending.apply(&plan(OrderStatus::PendingPayment, OrderEvent::PaymentFailed), Cause::HoldExpired, at());
        let failed = failed.expect("applies").change.applied_to(&pending);
        assert_eq!((failed.status, failed.gsi2pk.as_deref()), (OrderStatus::PaymentFailed, None));
        assert_eq!((failed.paid_at, failed.cancelled_at), (None, None));

        let mut paid = order(OrderStatus::Paid);
        paid.gsi2pk = Some(keys::INVOICES_DUE.into());
        paid.payment_id = Some("pay-1".into());
        let cancel = plan(
            OrderStatus::Paid,
            OrderEvent::CancelRequested { within_window: true, shipped: false, refund_pending: false },
        );
        let cancelled = paid.apply(&cancel, Cause::OperatorCancel, at()).expect("applies").change.applied_to(&paid);
        assert_eq!(cancelled.status, OrderStatus::Cancelled);
        assert_eq!((cancelled.cancelled_at, cancelled.refund_status), (Some(at()), Some(RefundStatus::Pending)));
        assert_eq!(cancelled.gsi2pk.as_deref(), Some(keys::INVOICES_DUE), "numbered still, paid once");
    }
}
