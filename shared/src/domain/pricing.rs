//! Le Djoor pricing, in the order API.md gives: unit prices, subtotal, volume tier, promo
//! code, fees. Integer cents; every percentage rounds half up to the cent.
use serde::{Deserialize, Serialize};

use super::{Cents, Percent};

pub const PRODUCT_DISCOUNT: Percent = Percent(5);

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
        Some(d) => Cents((price.0 * (100 - i64::from(d.percent.0)) + 50) / 100),
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

/// A promo code as pricing needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct PromoInput {
    pub code: String,
    pub discount_percent: Percent,
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
        Percent(10)
    } else if at_least(2) > 5 {
        Percent(5)
    } else {
        Percent(0)
    }
}

pub fn price(lines: &[LineInput], promo: Option<&PromoInput>, fees: Fees) -> Breakdown {
    let priced: Vec<PricedLine> = lines
        .iter()
        .map(|line| {
            let unit = unit_price(line.price, line.discount);
            PricedLine {
                product_id: line.product_id.clone(),
                name: line.name.clone(),
                quantity: line.quantity,
                unit_price_cents: line.price.0,
                unit_effective_price_cents: unit.0,
                line_total_cents: unit.0 * i64::from(line.quantity),
            }
        })
        .collect();
    let subtotal = Cents(priced.iter().map(|l| l.line_total_cents).sum());
    let quantities: Vec<u32> = lines.iter().map(|l| l.quantity).collect();
    let volume_percent = volume_percent(&quantities);
    let volume_discount = subtotal.percent_of(volume_percent);
    let after_volume = Cents(subtotal.0 - volume_discount.0);
    let promo_discount = promo.map_or(Cents(0), |p| after_volume.percent_of(p.discount_percent));
    let after_promo = Cents(after_volume.0 - promo_discount.0);
    let commission = promo.map_or(Cents(0), |p| after_promo.percent_of(p.commission_percent));
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
        total: Cents(after_promo.0 + fees.delivery.0 + fees.gift.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(id: usize, quantity: u32, price: i64) -> LineInput {
        LineInput {
            product_id: format!("p{id}"),
            name: format!("Cap {id}"),
            quantity,
            price: Cents(price),
            discount: None,
        }
    }

    fn lines(count: usize, quantity: u32) -> Vec<LineInput> {
        (0..count).map(|i| line(i, quantity, 1000)).collect()
    }

    #[test]
    fn unit_prices_take_the_sale_or_the_product_discount_never_both() {
        assert_eq!(unit_price(Cents(2000), unit_discount(true, None)), Cents(1900));
        assert_eq!(unit_price(Cents(2000), unit_discount(true, Some(Percent(30)))), Cents(1400));
        assert_eq!(unit_price(Cents(2000), unit_discount(false, None)), Cents(2000));
        // 1990 * 0.95 = 1890.5, rounded half up.
        assert_eq!(unit_price(Cents(1990), unit_discount(true, None)), Cents(1891));
    }

    #[test]
    fn volume_tiers_at_their_boundaries() {
        assert_eq!(price(&lines(5, 2), None, Fees::default()).volume_percent, Percent(0));
        assert_eq!(price(&lines(6, 2), None, Fees::default()).volume_percent, Percent(5));
        assert_eq!(price(&lines(6, 1), None, Fees::default()).volume_percent, Percent(0));
        assert_eq!(price(&lines(10, 4), None, Fees::default()).volume_percent, Percent(5));
        assert_eq!(price(&lines(11, 4), None, Fees::default()).volume_percent, Percent(10));
        assert_eq!(price(&lines(11, 3), None, Fees::default()).volume_percent, Percent(5));
    }

    #[test]
    fn promo_applies_after_volume_and_commission_after_promo() {
        let promo = PromoInput { code: "ADA".into(), discount_percent: Percent(10), commission_percent: Percent(7) };
        let fees = Fees { delivery: Cents(590), gift: Cents(500) };
        let b = price(&lines(6, 2), Some(&promo), fees);
        assert_eq!(b.subtotal, Cents(12000));
        assert_eq!(b.volume_discount, Cents(600));
        assert_eq!(b.promo_discount, Cents(1140));
        assert_eq!(b.commission, Cents(718)); // 7% of 10260 = 718.2
        assert_eq!(b.total, Cents(12000 - 600 - 1140 + 590 + 500));
    }

    proptest! {
        #[test]
        fn parts_add_up_and_nothing_is_negative(
            spec in prop::collection::vec((1u32..30, 0i64..100_000, prop::option::of(0u8..=100), any::<bool>()), 0..15),
            promo_percent in prop::option::of((0u8..=100, 0u8..=100)),
            delivery in 0i64..5_000,
            gift in 0i64..5_000,
        ) {
            let input: Vec<LineInput> = spec.iter().enumerate().map(|(i, (q, p, sale, flag))| LineInput {
                product_id: format!("p{i}"), name: String::new(), quantity: *q, price: Cents(*p),
                discount: unit_discount(*flag, sale.map(Percent)),
            }).collect();
            let promo = promo_percent.map(|(d, c)| PromoInput { code: "X".into(), discount_percent: Percent(d), commission_percent: Percent(c) });
            let fees = Fees { delivery: Cents(delivery), gift: Cents(gift) };
            let b = price(&input, promo.as_ref(), fees);
            prop_assert_eq!(b.total.0, b.subtotal.0 - b.volume_discount.0 - b.promo_discount.0 + delivery + gift);
            prop_assert!(b.volume_discount.0 >= 0 && b.promo_discount.0 >= 0 && b.commission.0 >= 0);
            // Discounts never touch fees: the total never goes below the fees.
            prop_assert!(b.total.0 >= delivery + gift);
            prop_assert_eq!(b.subtotal.0, b.lines.iter().map(|l| l.line_total_cents).sum::<i64>());
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
            prop_assert!([Percent(0), Percent(5), Percent(10)].contains(&before));
        }
    }
}
