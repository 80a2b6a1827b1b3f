//! Pricing a 100-line cart (issue 11's goal: under 50 µs), the way a cart or a checkout
//! prices: sale and product discounts on the lines, the top volume tier, a promo code, fees.
use criterion::{criterion_group, criterion_main, Criterion};
use shared::domain::pricing::{price, unit_discount, Fees, LineInput, PromoDiscount, PromoInput};
use shared::domain::{Cents, Percent};

fn cart(lines: usize) -> Result<Vec<LineInput>, shared::domain::DomainError> {
    (0..lines)
        .map(|i| {
            let sale = if i % 3 == 0 { Some(Percent::new(20)?) } else { None };
            Ok(LineInput {
                product_id: format!("prod-{i:04}"),
                name: format!("Capsule {i}"),
                quantity: 1 + (i % 5) as u32,
                price: Cents::new(990 + 10 * i as i64)?,
                discount: unit_discount(i % 2 == 0, sale),
            })
        })
        .collect()
}

fn pricing(c: &mut Criterion) {
    let lines = cart(100).expect("valid amounts");
    let promo = PromoInput {
        code: "ADA10".into(),
        discount: PromoDiscount::Percent { discount_percent: Percent::new(10).expect("a percentage") },
        commission_percent: Percent::new(7).expect("a percentage"),
    };
    let fees = Fees { delivery: Cents::fixed(590), gift: Cents::fixed(500) };
    c.bench_function("price a 100-line cart", |b| b.iter(|| price(std::hint::black_box(&lines), Some(&promo), fees)));
}

criterion_group!(benches, pricing);
criterion_main!(benches);
