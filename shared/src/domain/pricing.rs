//! Le Djoor pricing, in the order API.md gives: unit prices, subtotal, volume tier, promo
//! code, fees. Integer cents; every percentage rounds half up to the cent.
use serde::{Deserialize, Serialize};

use super::{Cents, Percent};

pub const PRODUCT_DISCOUNT: Percent = Percent::fixed(5);
/// The volume tiers (see `volume_percent`).
const VOLUME_TIER: Percent = Percent::fixed(5);
const VOLUME_TOP_TIER: Percent = Percent::fixed(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscountKind {
    Sale,
    Product,
}

/// The one discount a unit price carries, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitDiscount {
    pub kind: DiscountKind,
    pub percent: Percent,
}

/// A sale's percent wins over the 5% product discount; only one applies.
pub fn unit_discount(product_discount: bool, sale: Option<Percent>) -> Option<UnitDiscount> {
    match (sale, product_discount) {
        (Some(percent), _) => Some(UnitDiscount { kind: DiscountKind::Sale, percent }),
        (None, true) => Some(UnitDiscount { kind: DiscountKind::Product, percent: PRODUCT_DISCOUNT }),
        (None, false) => None,
    }
}

/// The price of one unit after its discount, rounded half up.
pub fn unit_price(price: Cents, discount: Option<UnitDiscount>) -> Cents {
    match discount {
        None => price,
        Some(d) => price.discounted_by(d.percent),
    }
}

/// One line to price.
#[derive(Clone, Debug, PartialEq)]
pub struct LineInput {
    pub product_id: String,
    pub name: String,
    pub quantity: u32,
    pub price: Cents,
    pub discount: Option<UnitDiscount>,
}

/// A priced line, as carts and orders show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    pub product_id: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price_cents: i64,
    pub unit_effective_price_cents: i64,
    pub line_total_cents: i64,
}

/// What a promo code takes off the cart's items: a percentage, or a fixed amount (never
/// more than the items cost). As stored and shown: `discount_percent` or
/// `discount_amount_cents`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PromoDiscount {
    Percent { discount_percent: Percent },
    Amount { discount_amount_cents: Cents },
}

impl PromoDiscount {
    /// The discount on items costing `amount`: at most `amount`.
    pub fn off(&self, amount: Cents) -> Cents {
        match *self {
            Self::Percent { discount_percent } => amount.percent_of(discount_percent),
            Self::Amount { discount_amount_cents } => discount_amount_cents.min(amount),
        }
    }

    /// The percentage, for a percentage code.
    pub fn percent(&self) -> Option<Percent> {
        match *self {
            Self::Percent { discount_percent } => Some(discount_percent),
            Self::Amount { .. } => None,
        }
    }
}

/// A promo code as pricing needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct PromoInput {
    pub code: String,
    pub discount: PromoDiscount,
    pub commission_percent: Percent,
}

/// Fees, which no discount ever touches.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Fees {
    pub delivery: Cents,
    pub gift: Cents,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Breakdown {
    pub lines: Vec<PricedLine>,
    pub distinct_products: u32,
    pub total_quantity: u32,
    pub subtotal: Cents,
    pub volume_percent: Percent,
    pub volume_discount: Cents,
    pub promo: Option<PromoInput>,
    pub promo_discount: Cents,
    /// What the promo code's owner earns once the order is paid.
    pub commission: Cents,
    pub fees: Fees,
    pub total: Cents,
}

/// The volume tier: more than 10 distinct products with at least 4 units each gives 10%,
/// otherwise more than 5 with at least 2 units each gives 5%. The best tier alone applies.
pub fn volume_percent(quantities: &[u32]) -> Percent {
    let at_least = |units: u32| quantities.iter().filter(|q| **q >= units).count();
    if at_least(4) > 10 {
        VOLUME_TOP_TIER
    } else if at_least(2) > 5 {
        VOLUME_TIER
    } else {
        Percent::ZERO
    }
}

pub fn price(lines: &[LineInput], promo: Option<&PromoInput>, fees: Fees) -> Breakdown {
    let mut priced = Vec::with_capacity(lines.len());
    let mut subtotal = Cents::ZERO;
    for line in lines {
        let unit = unit_price(line.price, line.discount);
        let total = unit.times(line.quantity);
        subtotal = subtotal + total;
        priced.push(PricedLine {
            product_id: line.product_id.clone(),
            name: line.name.clone(),
            quantity: line.quantity,
            unit_price_cents: line.price.cents(),
            unit_effective_price_cents: unit.cents(),
            line_total_cents: total.cents(),
        });
    }
    let quantities: Vec<u32> = lines.iter().map(|l| l.quantity).collect();
    let volume_percent = volume_percent(&quantities);
    let volume_discount = subtotal.percent_of(volume_percent);
    let after_volume = subtotal.less(volume_discount);
    let promo_discount = promo.map_or(Cents::ZERO, |p| p.discount.off(after_volume));
    // The commission is on what is paid for the items, after every discount.
    let after_promo = after_volume.less(promo_discount);
    let commission = promo.map_or(Cents::ZERO, |p| after_promo.percent_of(p.commission_percent));
    Breakdown {
        distinct_products: u32::try_from(priced.len()).unwrap_or(u32::MAX),
        total_quantity: quantities.iter().sum(),
        lines: priced,
        subtotal,
        volume_percent,
        volume_discount,
        promo: promo.cloned(),
        promo_discount,
        commission,
        fees,
        total: after_promo + fees.delivery + fees.gift,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cents(amount: i64) -> Cents {
        Cents::new(amount).expect("an amount")
    }

    fn percent(value: u8) -> Percent {
        Percent::new(value).expect("a percentage")
    }

    fn off_percent(value: u8) -> PromoDiscount {
        PromoDiscount::Percent { discount_percent: percent(value) }
    }

    fn off_amount(amount: i64) -> PromoDiscount {
        PromoDiscount::Amount { discount_amount_cents: cents(amount) }
    }

    fn line(id: usize, quantity: u32, price: i64) -> LineInput {
        LineInput {
            product_id: format!("p{id}"),
            name: format!("Cap {id}"),
            quantity,
            price: cents(price),
            discount: None,
        }
    }

    fn lines(count: usize, quantity: u32) -> Vec<LineInput> {
        (0..count).map(|i| line(i, quantity, 1000)).collect()
    }

    #[test]
    fn unit_prices_take_the_sale_or_the_product_discount_never_both() {
        assert_eq!(unit_price(cents(2000), unit_discount(true, None)), cents(1900));
        assert_eq!(unit_price(cents(2000), unit_discount(true, Some(percent(30)))), cents(1400));
        assert_eq!(unit_price(cents(2000), unit_discount(false, None)), cents(2000));
        // 1990 * 0.95 = 1890.5, rounded half up.
        assert_eq!(unit_price(cents(1990), unit_discount(true, None)), cents(1891));
    }

    #[test]
    fn volume_tiers_at_their_boundaries() {
        assert_eq!(price(&lines(5, 2), None, Fees::default()).volume_percent, percent(0));
        assert_eq!(price(&lines(6, 2), None, Fees::default()).volume_percent, percent(5));
        assert_eq!(price(&lines(6, 1), None, Fees::default()).volume_percent, percent(0));
        assert_eq!(price(&lines(10, 4), None, Fees::default()).volume_percent, percent(5));
        assert_eq!(price(&lines(11, 4), None, Fees::default()).volume_percent, percent(10));
        assert_eq!(price(&lines(11, 3), None, Fees::default()).volume_percent, percent(5));
    }

    #[test]
    fn promo_applies_after_volume_and_commission_after_promo() {
        let promo = PromoInput { code: "ADA".into(), discount: off_percent(10), commission_percent: percent(7) };
        let fees = Fees { delivery: cents(590), gift: cents(500) };
        let b = price(&lines(6, 2), Some(&promo), fees);
        assert_eq!(b.subtotal, cents(12000));
        assert_eq!(b.volume_discount, cents(600));
        assert_eq!(b.promo_discount, cents(1140));
        assert_eq!(b.commission, cents(718)); // 7% of 10260 = 718.2
        assert_eq!(b.total, cents(12000 - 600 - 1140 + 590 + 500));
    }

    #[test]
    fn a_fixed_amount_comes_off_after_volume_and_the_commission_is_on_what_is_paid() {
        let promo = PromoInput { code: "TENOFF".into(), discount: off_amount(1000), commission_percent: percent(10) };
        let fees = Fees { delivery: cents(590), gift: cents(0) };
        let b = price(&lines(6, 2), Some(&promo), fees);
        assert_eq!((b.subtotal, b.volume_discount, b.promo_discount), (cents(12000), cents(600), cents(1000)));
        assert_eq!(b.commission, cents(1040)); // 10% of 11400 - 1000
        assert_eq!(b.total, cents(12000 - 600 - 1000 + 590));
    }

    #[test]
    fn a_fixed_amount_over_the_items_takes_them_to_zero_never_below_and_leaves_fees() {
        let promo = PromoInput { code: "BIG".into(), discount: off_amount(5000), commission_percent: percent(10) };
        let fees = Fees { delivery: cents(590), gift: cents(500) };
        let b = price(&[line(0, 1, 1990)], Some(&promo), fees);
        assert_eq!(b.promo_discount, cents(1990));
        assert_eq!(b.commission, Cents::ZERO);
        assert_eq!(b.total, cents(590 + 500));
    }

    #[test]
    fn a_stored_code_reads_back_as_the_discount_it_was() {
        for discount in [off_percent(15), off_amount(250)] {
            let json = serde_json::to_value(discount).expect("serialises");
            assert_eq!(serde_json::from_value::<PromoDiscount>(json).expect("reads back"), discount);
        }
        assert_eq!(
            serde_json::to_value(off_amount(250)).expect("json"),
            serde_json::json!({"discount_amount_cents": 250})
        );
    }

    proptest! {
        #[test]
        fn a_fixed_amount_never_takes_the_items_below_zero(
            prices in prop::collection::vec(0i64..20_000, 1..8),
            amount in 1i64..100_000,
            commission in 0u8..=100,
            delivery in 0i64..5_000,
        ) {
            let input: Vec<LineInput> = prices.iter().enumerate().map(|(i, p)| line(i, 1, *p)).collect();
            let promo = PromoInput { code: "X".into(), discount: off_amount(amount), commission_percent: percent(commission) };
            let b = price(&input, Some(&promo), Fees { delivery: cents(delivery), gift: Cents::ZERO });
            let items = b.subtotal.cents() - b.volume_discount.cents();
            prop_assert_eq!(b.promo_discount.cents(), amount.min(items));
            prop_assert!(b.total.cents() >= delivery);
            // The owner earns on what was paid for the items, never on the discount.
            prop_assert!(b.commission.cents() <= items - b.promo_discount.cents());
        }

        #[test]
        fn parts_add_up_and_nothing_is_negative(
            spec in prop::collection::vec((1u32..30, 0i64..100_000, prop::option::of(0u8..=100), any::<bool>()), 0..15),
            promo_percent in prop::option::of((0u8..=100, 0u8..=100)),
            delivery in 0i64..5_000,
            gift in 0i64..5_000,
        ) {
            let input: Vec<LineInput> = spec.iter().enumerate().map(|(i, (q, p, sale, flag))| LineInput {
                product_id: format!("p{i}"), name: String::new(), quantity: *q, price: cents(*p),
                discount: unit_discount(*flag, sale.map(percent)),
            }).collect();
            let promo = promo_percent.map(|(d, c)| PromoInput { code: "X".into(), discount: off_percent(d), commission_percent: percent(c) });
            let fees = Fees { delivery: cents(delivery), gift: cents(gift) };
            let b = price(&input, promo.as_ref(), fees);
            prop_assert_eq!(b.total.cents(), b.subtotal.cents() - b.volume_discount.cents() - b.promo_discount.cents() + delivery + gift);
            prop_assert!(b.volume_discount.cents() >= 0 && b.promo_discount.cents() >= 0 && b.commission.cents() >= 0);
            // Discounts never touch fees: the total never goes below the fees.
            prop_assert!(b.total.cents() >= delivery + gift);
            prop_assert_eq!(b.subtotal.cents(), b.lines.iter().map(|l| l.line_total_cents).sum::<i64>());
            for l in &b.lines {
                prop_assert!(l.unit_effective_price_cents >= 0 && l.unit_effective_price_cents <= l.unit_price_cents);
            }
        }

        #[test]
        fn removing_a_line_never_raises_the_volume_tier(quantities in prop::collection::vec(1u32..8, 1..16), drop in 0usize..16) {
            let before = volume_percent(&quantities);
            let mut fewer = quantities.clone();
            fewer.remove(drop % quantities.len());
            prop_assert!(volume_percent(&fewer) <= before);
            prop_assert!([percent(0), percent(5), percent(10)].contains(&before));
        }
    }
}
