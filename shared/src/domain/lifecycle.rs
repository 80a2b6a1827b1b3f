//! The order lifecycle in one place: given an order's status and what happened to it, the
//! whole plan of the change (the new status, what happens to stock, sale and promo claims,
//! the commission, the cart, whether it awaits an invoice number, a refund, and the notices
//! and events that follow). A paid order's invoice, its email and `OrderPaid` come later,
//! from the numbering (`crate::invoices`), off the payment's path. The service in `crate::orders` applies a plan as one transaction, with its
//! effects recorded in the outbox; webhook, cancellation and expiry only name the event.
use super::fulfilment::FulfilmentStatus;
use super::order::OrderStatus;

/// What happened to an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderEvent {
    /// The provider took a payment for this order; `same_payment`: the one that paid it.
    PaymentSucceeded {
        same_payment: bool,
    },
    PaymentFailed,
    /// The hold's time ran out before payment.
    HoldExpired,
    /// The buyer (or an operator) asks to cancel. `within_window`: a paid order's
    /// cancellation window is still open (always, for an operator); `shipped`: its parcel
    /// has left; `refund_pending`: a cancelled order's refund has not gone through yet.
    CancelRequested {
        within_window: bool,
        shipped: bool,
        refund_pending: bool,
    },
    /// An operator moves a paid order's fulfilment from `from` to `to`; `pickup`: it is
    /// collected at a pickup point (else delivered home).
    Fulfil {
        from: Option<FulfilmentStatus>,
        to: FulfilmentStatus,
        pickup: bool,
    },
    /// An operator refunds part of a paid order (an amount, returned lines).
    RefundRequested,
}

/// The order's units in stock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StockMove {
    None,
    /// Take them again (a payment honoured after its hold was released).
    Hold,
    /// Put them back on sale.
    Release,
    /// Put the units a partial refund returns back on sale (`fulfilment::Return`).
    Return,
}

/// The order's per-sale units and its promo code's use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimMove {
    None,
    /// Take them back without checks (a late payment honoured).
    Retake,
    GiveBack,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommissionMove {
    None,
    Earn,
    Reverse,
}

/// The buyer's cart, which checkout locked for this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CartMove {
    Keep,
    /// Paid: a fresh, empty cart replaces the locked one.
    Empty,
    /// Not paid: the lock is lifted, the lines are still there to buy again.
    Unlock,
    /// Paid late: the paid units leave the cart they had returned to.
    RemovePaidLines,
}

/// An email to the buyer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    PaymentFailed,
    Cancelled {
        refunded: bool,
    },
    /// A fulfilment step (shipped, ready for pickup, delivered...).
    Fulfilment(FulfilmentStatus),
    /// Part of the order refunded.
    Refunded,
}

/// An event on the bus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BusEvent {
    OrderCancelled { refunded: bool },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub to: OrderStatus,
    pub stock: StockMove,
    pub claims: ClaimMove,
    pub commission: CommissionMove,
    pub cart: CartMove,
    /// The order awaits its invoice number: listed for the numbering, which gives numbers
    /// in payment order and sends the invoice and `OrderPaid` (`crate::invoices`).
    pub invoice: bool,
    /// The order's payment is refunded in full (less what operators refunded before).
    pub refund: bool,
    /// The order's fulfilment after the move (the status stays `paid`).
    pub fulfilment: Option<FulfilmentStatus>,
    /// Part of the order is refunded (`fulfilment::Return`); the status stays as it is.
    pub partial_refund: bool,
    pub notices: Vec<Notice>,
    pub events: Vec<BusEvent>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Apply(Plan),
    /// Money arrived that the order cannot take: it is recorded, refunded, the buyer told.
    RefundPayment,
    /// Nothing changes (a copy of what was applied, or news the order has moved past).
    Ignore,
    Refuse(Refusal),
}

/// Why the buyer cannot do what they asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this order cannot be cancelled")]
    NotCancellable,
    #[error("the cancellation window has elapsed")]
    CancellationWindowElapsed,
    #[error("this order has shipped: it can be refunded, not cancelled")]
    Shipped,
    #[error("only a paid order is fulfilled or refunded")]
    NotPaid,
    #[error("this fulfilment step does not follow the order's current one")]
    FulfilmentStep,
}

/// DynamoDB's limit on the writes of one transaction.
pub const MAX_TRANSACTION_WRITES: usize = 100;

/// The writes of the largest transaction an order's lifecycle can need, so that a checkout
/// refuses an order that could not be paid late, expired or cancelled in one transaction:
/// a late payment honoured takes every line's stock back, every sale line's and the promo
/// code's claim, earns the commission, and writes the order, the event, the cart, the
/// payment, a saved method and its outbox items (the invoice number is written later, in
/// the numbering's own transaction).
pub fn largest_transaction(lines: usize, sale_lines: usize, promo: bool) -> usize {
    const FIXED: usize = 10;
    lines + sale_lines + 2 * usize::from(promo) + FIXED
}

/// The lifecycle: every (status, event) pair has one answer.
pub fn plan(status: OrderStatus, event: OrderEvent) -> Decision {
    use OrderEvent as E;
    use OrderStatus as S;
    match (status, event) {
        (S::PendingPayment, E::PaymentSucceeded { .. }) => {
            Decision::Apply(paid(StockMove::None, ClaimMove::None, CartMove::Empty))
        }
        // The hold was released: honoured if the units can be held again (else refunded).
        (S::Expired, E::PaymentSucceeded { .. }) => {
            Decision::Apply(paid(StockMove::Hold, ClaimMove::Retake, CartMove::RemovePaidLines))
        }
        (S::Paid, E::PaymentSucceeded { same_payment: true }) => Decision::Ignore,
        (S::Paid | S::PaymentFailed | S::Cancelled, E::PaymentSucceeded { .. }) => Decision::RefundPayment,

        (S::PendingPayment, E::PaymentFailed) => {
            Decision::Apply(released(S::PaymentFailed, vec![Notice::PaymentFailed], vec![]))
        }
        (S::PendingPayment, E::HoldExpired) => Decision::Apply(released(S::Expired, vec![], vec![])),
        (_, E::PaymentFailed | E::HoldExpired) => Decision::Ignore,

        (S::Paid, E::CancelRequested { shipped: true, .. }) => Decision::Refuse(Refusal::Shipped),
        (S::PendingPayment, E::CancelRequested { .. }) => Decision::Apply(released(
            S::Cancelled,
            vec![Notice::Cancelled { refunded: false }],
            vec![BusEvent::OrderCancelled { refunded: false }],
        )),
        (S::Paid, E::CancelRequested { within_window: true, .. }) => Decision::Apply(Plan {
            to: S::Cancelled,
            stock: StockMove::Release,
            claims: ClaimMove::GiveBack,
            commission: CommissionMove::Reverse,
            cart: CartMove::Keep,
            invoice: false,
            refund: true,
            fulfilment: None,
            partial_refund: false,
            notices: vec![Notice::Cancelled { refunded: true }],
            events: vec![BusEvent::OrderCancelled { refunded: true }],
        }),
        (S::Paid, E::CancelRequested { within_window: false, .. }) => {
            Decision::Refuse(Refusal::CancellationWindowElapsed)
        }
        // Asked again while the refund is on its way: nothing more to do.
        (S::Cancelled, E::CancelRequested { refund_pending: true, .. }) => Decision::Ignore,
        (S::Cancelled | S::Expired | S::PaymentFailed, E::CancelRequested { .. }) => {
            Decision::Refuse(Refusal::NotCancellable)
        }

        (S::Paid, E::Fulfil { from, to, pickup }) => match FulfilmentStatus::can_follow(from, to, pickup) {
            true => Decision::Apply(Plan { fulfilment: Some(to), notices: vec![Notice::Fulfilment(to)], ..kept() }),
            false => Decision::Refuse(Refusal::FulfilmentStep),
        },
        (S::Paid, E::RefundRequested) => Decision::Apply(Plan {
            stock: StockMove::Return,
            partial_refund: true,
            notices: vec![Notice::Refunded],
            ..kept()
        }),
        (_, E::Fulfil { .. } | E::RefundRequested) => Decision::Refuse(Refusal::NotPaid),
    }
}

/// A paid order that stays paid: the base of its fulfilment steps and partial refunds.
fn kept() -> Plan {
    Plan {
        to: OrderStatus::Paid,
        stock: StockMove::None,
        claims: ClaimMove::None,
        commission: CommissionMove::None,
        cart: CartMove::Keep,
        invoice: false,
        refund: false,
        fulfilment: None,
        partial_refund: false,
        notices: vec![],
        events: vec![],
    }
}

fn paid(stock: StockMove, claims: ClaimMove, cart: CartMove) -> Plan {
    Plan {
        to: OrderStatus::Paid,
        stock,
        claims,
        commission: CommissionMove::Earn,
        cart,
        invoice: true,
        refund: false,
        fulfilment: None,
        partial_refund: false,
        notices: vec![],
        events: vec![],
    }
}

/// A pending order let go: its units back on sale, its claims given back, its cart unlocked.
fn released(to: OrderStatus, notices: Vec<Notice>, events: Vec<BusEvent>) -> Plan {
    Plan {
        to,
        stock: StockMove::Release,
        claims: ClaimMove::GiveBack,
        commission: CommissionMove::None,
        cart: CartMove::Unlock,
        invoice: false,
        refund: false,
        fulfilment: None,
        partial_refund: false,
        notices,
        events,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_fits_the_largest_transaction_of_its_life() {
        assert_eq!(largest_transaction(90, 0, false), MAX_TRANSACTION_WRITES);
        assert!(largest_transaction(89, 0, true) > MAX_TRANSACTION_WRITES);
        assert!(largest_transaction(45, 45, false) <= MAX_TRANSACTION_WRITES);
        assert!(largest_transaction(46, 46, false) > MAX_TRANSACTION_WRITES);
    }
    use OrderStatus::*;

    const STATUSES: [OrderStatus; 5] = [PendingPayment, Paid, OrderStatus::PaymentFailed, Expired, Cancelled];

    fn events() -> Vec<OrderEvent> {
        let mut all = vec![OrderEvent::PaymentFailed, OrderEvent::HoldExpired];
        for same_payment in [false, true] {
            all.push(OrderEvent::PaymentSucceeded { same_payment });
        }
        for within_window in [false, true] {
            for refund_pending in [false, true] {
                for shipped in [false, true] {
                    all.push(OrderEvent::CancelRequested { within_window, shipped, refund_pending });
                }
            }
        }
        for pickup in [false, true] {
            for to in FulfilmentStatus::ALL {
                all.push(OrderEvent::Fulfil { from: None, to, pickup });
                for from in FulfilmentStatus::ALL {
                    all.push(OrderEvent::Fulfil { from: Some(from), to, pickup });
                }
            }
        }
        all.push(OrderEvent::RefundRequested);
        all
    }

    #[test]
    fn every_plan_is_a_move_the_status_machine_allows() {
        for status in STATUSES {
            for event in events() {
                if let Decision::Apply(plan) = plan(status, event) {
                    // A fulfilment step or a partial refund keeps the status; nothing else does.
                    let kept = plan.fulfilment.is_some() || plan.partial_refund;
                    assert_eq!(plan.to == status, kept, "{status:?} + {event:?}");
                    assert!(kept || status.can_become(plan.to), "{status:?} + {event:?} -> {:?}", plan.to);
                }
            }
        }
    }

    #[test]
    fn stock_is_held_exactly_while_the_status_holds_it() {
        for status in STATUSES {
            for event in events() {
                let Decision::Apply(plan) = plan(status, event) else { continue };
                if plan.partial_refund {
                    assert_eq!((plan.stock, plan.claims), (StockMove::Return, ClaimMove::None));
                    continue;
                }
                let expected = match (status.holds_stock(), plan.to.holds_stock()) {
                    (true, false) => StockMove::Release,
                    (false, true) => StockMove::Hold,
                    _ => StockMove::None,
                };
                assert_eq!(plan.stock, expected, "{status:?} + {event:?}");
                // Claims follow the stock: given back with it, taken back with it.
                let claims = match plan.stock {
                    StockMove::Release => ClaimMove::GiveBack,
                    StockMove::Hold => ClaimMove::Retake,
                    StockMove::None | StockMove::Return => ClaimMove::None,
                };
                assert_eq!(plan.claims, claims, "{status:?} + {event:?}");
            }
        }
    }

    #[test]
    fn the_whole_matrix() {
        use Decision::{Ignore, RefundPayment, Refuse};
        let cancel = |within_window, refund_pending| OrderEvent::CancelRequested {
            within_window,
            shipped: false,
            refund_pending,
        };
        let shipped = OrderEvent::CancelRequested { within_window: true, shipped: true, refund_pending: false };
        let ship = |from| OrderEvent::Fulfil { from, to: FulfilmentStatus::Shipped, pickup: false };
        let paid_by = |same_payment| OrderEvent::PaymentSucceeded { same_payment };
        let cases: Vec<(OrderStatus, OrderEvent, &str)> = vec![
            (PendingPayment, paid_by(false), "paid"),
            (PendingPayment, OrderEvent::PaymentFailed, "payment_failed"),
            (PendingPayment, OrderEvent::HoldExpired, "expired"),
            (PendingPayment, cancel(false, false), "cancelled"),
            (Paid, paid_by(true), "ignore"),
            (Paid, paid_by(false), "refund_payment"),
            (Paid, OrderEvent::PaymentFailed, "ignore"),
            (Paid, OrderEvent::HoldExpired, "ignore"),
            (Paid, cancel(true, false), "cancelled"),
            (Paid, cancel(false, false), "window_elapsed"),
            (OrderStatus::PaymentFailed, paid_by(false), "refund_payment"),
            (OrderStatus::PaymentFailed, OrderEvent::PaymentFailed, "ignore"),
            (OrderStatus::PaymentFailed, cancel(true, false), "not_cancellable"),
            (Expired, paid_by(false), "paid"),
            (Expired, OrderEvent::HoldExpired, "ignore"),
            (Expired, cancel(true, false), "not_cancellable"),
            (Cancelled, paid_by(false), "refund_payment"),
            (Cancelled, OrderEvent::PaymentFailed, "ignore"),
            (Cancelled, cancel(true, true), "ignore"),
            (Cancelled, cancel(true, false), "not_cancellable"),
            (Paid, shipped, "shipped"),
            (Paid, ship(None), "paid"),
            (Paid, ship(Some(FulfilmentStatus::Shipped)), "fulfilment_step"),
            (PendingPayment, ship(None), "not_paid"),
            (Cancelled, ship(None), "not_paid"),
            (Paid, OrderEvent::RefundRequested, "paid"),
            (Cancelled, OrderEvent::RefundRequested, "not_paid"),
            (PendingPayment, OrderEvent::RefundRequested, "not_paid"),
        ];
        for (status, event, expected) in cases {
            let got = match plan(status, event) {
                Decision::Apply(plan) => plan.to.as_str(),
                Ignore => "ignore",
                RefundPayment => "refund_payment",
                Refuse(Refusal::NotCancellable) => "not_cancellable",
                Refuse(Refusal::CancellationWindowElapsed) => "window_elapsed",
                Refuse(Refusal::Shipped) => "shipped",
                Refuse(Refusal::NotPaid) => "not_paid",
                Refuse(Refusal::FulfilmentStep) => "fulfilment_step",
            };
            assert_eq!(got, expected, "{status:?} + {event:?}");
        }
    }

    #[test]
    fn what_each_change_does() {
        let Decision::Apply(on_time) = plan(PendingPayment, OrderEvent::PaymentSucceeded { same_payment: false })
        else {
            panic!("paid")
        };
        assert_eq!((on_time.cart, on_time.commission, on_time.invoice), (CartMove::Empty, CommissionMove::Earn, true));
        assert!(on_time.notices.is_empty() && on_time.events.is_empty(), "the numbering sends the invoice");

        let Decision::Apply(late) = plan(Expired, OrderEvent::PaymentSucceeded { same_payment: false }) else {
            panic!("paid late")
        };
        assert_eq!((late.cart, late.invoice), (CartMove::RemovePaidLines, true));

        let Decision::Apply(failed) = plan(PendingPayment, OrderEvent::PaymentFailed) else { panic!("failed") };
        assert_eq!(
            (failed.cart, failed.notices, failed.refund),
            (CartMove::Unlock, vec![Notice::PaymentFailed], false)
        );
        assert!(failed.events.is_empty());

        let Decision::Apply(expired) = plan(PendingPayment, OrderEvent::HoldExpired) else { panic!("expired") };
        assert!(expired.notices.is_empty() && expired.events.is_empty());

        let cancel = OrderEvent::CancelRequested { within_window: true, shipped: false, refund_pending: false };
        let Decision::Apply(refunded) = plan(Paid, cancel) else { panic!("cancelled") };
        assert_eq!(
            (refunded.refund, refunded.commission, refunded.cart),
            (true, CommissionMove::Reverse, CartMove::Keep)
        );
        assert_eq!(refunded.events, vec![BusEvent::OrderCancelled { refunded: true }]);

        let Decision::Apply(pending) = plan(PendingPayment, cancel) else { panic!("cancelled") };
        assert_eq!((pending.refund, pending.cart), (false, CartMove::Unlock));
        assert_eq!(pending.notices, vec![Notice::Cancelled { refunded: false }]);

        let ready = OrderEvent::Fulfil { from: None, to: FulfilmentStatus::ReadyForPickup, pickup: true };
        let Decision::Apply(ready) = plan(Paid, ready) else { panic!("ready") };
        assert_eq!(ready.notices, vec![Notice::Fulfilment(FulfilmentStatus::ReadyForPickup)]);
        assert_eq!((ready.stock, ready.refund, ready.commission), (StockMove::None, false, CommissionMove::None));

        let Decision::Apply(partial) = plan(Paid, OrderEvent::RefundRequested) else { panic!("refunded") };
        assert_eq!(
            (partial.notices, partial.refund, partial.commission),
            (vec![Notice::Refunded], false, CommissionMove::None)
        );
    }
}
