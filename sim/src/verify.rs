//! After the sale: what the API (each buyer's orders, the catalogue, the admin listings, the
//! outbox) and the table say, gathered into `Facts`, then judged against the invariants.
use std::collections::HashMap;

use futures::stream::{self, StreamExt};
use serde_json::Value;
use shared::store::{from_item, keys, OrderRecord, PaymentRecord, Store};

use crate::buyer::{Journey, LimitProbe, Payment};
use crate::client::{Api, Route};
use crate::report::Check;
use crate::setup::{self, Release, Sale};
use crate::{SimError, Target};

/// Requests in flight while gathering.
const GATHERING: usize = 16;

/// An order as one source shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Seen {
    pub status: String,
    pub invoice_number: Option<String>,
    /// When it was paid (RFC 3339, to the second): invoices are numbered in that order.
    pub paid_at: Option<String>,
    pub promo_code: Option<String>,
    pub total_cents: i64,
    pub quantity: i64,
}

/// A payment record: (status, amount).
pub type PaymentSeen = (String, i64);

#[derive(Clone, Debug)]
pub struct OrderFacts {
    pub order_id: String,
    pub buyer: usize,
    pub payment: Payment,
    pub second_chance: bool,
    /// `None` when the buyer's `GET /orders` does not list it.
    pub api: Option<Seen>,
    /// `None` when the table does not hold it (or was not read).
    pub table: Option<Seen>,
    pub payments_api: Vec<PaymentSeen>,
    pub payments_table: Vec<PaymentSeen>,
    /// Subjects of the invoice emails naming this order.
    pub invoice_emails: Vec<String>,
}

/// Everything the checks look at.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub units: i64,
    pub sale_limit: i64,
    pub promo_code: String,
    pub promo_max_uses: u32,
    pub orders: Vec<OrderFacts>,
    pub stock_api: i64,
    pub stock_table: Option<i64>,
    pub promo_uses_api: Option<i64>,
    pub promo_uses_table: Option<u32>,
    pub commissions_earned: usize,
    pub invoice_baseline: Option<u64>,
    pub invoice_counter_after: Option<u64>,
    pub release: Release,
    pub limit_probes: Vec<(usize, LimitProbe)>,
    pub unexpected: Vec<String>,
    /// Whether the table was read (else the table's side of each check is skipped).
    pub table_read: bool,
}

pub async fn gather(
    api: &Api,
    target: &Target,
    sale: &Sale,
    journeys: &[Journey],
    release: &Release,
) -> Result<Facts, SimError> {
    let admin = Some(sale.admin_token.as_str());
    let mut orders: Vec<OrderFacts> = journeys
        .iter()
        .flat_map(|j| {
            j.orders.iter().map(|o| OrderFacts {
                order_id: o.order_id.clone(),
                buyer: j.index,
                payment: o.payment,
                second_chance: o.second_chance,
                api: None,
                table: None,
                payments_api: Vec::new(),
                payments_table: Vec::new(),
                invoice_emails: Vec::new(),
            })
        })
        .collect();

    // Each buyer's own view: their orders and their mailbox.
    let buyers: Vec<&Journey> = journeys.iter().filter(|j| !j.orders.is_empty()).collect();
    let views: Vec<Result<BuyerView, SimError>> = stream::iter(buyers)
        .map(|journey| async move {
            let listed = api.get(Route::Orders, "/orders?limit=100", journey.token.as_deref()).await?;
            let outbox = api.get(Route::Dev, &format!("/dev/outbox?to={}", journey.email), None).await?;
            let subjects = outbox.body["items"]
                .as_array()
                .map(|items| items.iter().filter_map(|m| m["subject"].as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            Ok(BuyerView { orders: listed.body["items"].as_array().cloned().unwrap_or_default(), subjects })
        })
        .buffer_unordered(GATHERING)
        .collect()
        .await;
    let mut seen: HashMap<String, Seen> = HashMap::new();
    let mut subjects: Vec<String> = Vec::new();
    for view in views {
        let view = view?;
        seen.extend(view.orders.iter().filter_map(|o| Some((o["order_id"].as_str()?.to_string(), seen_in_api(o)))));
        subjects.extend(view.subjects);
    }
    let payments = admin_payments(api, sale).await?;
    for order in &mut orders {
        order.api = seen.remove(&order.order_id);
        order.invoice_emails = subjects.iter().filter(|s| is_invoice_subject_of(s, &order.order_id)).cloned().collect();
        order.payments_api = payments.get(&order.order_id).cloned().unwrap_or_default();
    }

    let promos = admin_list(api, "/admin/promo-codes", admin).await?;
    let promo_uses_api = promos.iter().find(|p| p["code"] == sale.promo_code.as_str()).and_then(|p| p["uses"].as_i64());
    let commissions_path = format!("/admin/promo-codes/{}/commissions", sale.promo_code);
    let commissions = api.get(Route::Admin, &commissions_path, admin).await?;
    let commissions_earned = commissions.body["items"]
        .as_array()
        .map_or(0, |items| items.iter().filter(|c| c["status"] == "earned").count());

    let mut facts = Facts {
        units: sale.units,
        sale_limit: sale.sale_limit,
        promo_code: sale.promo_code.clone(),
        promo_max_uses: sale.promo_uses,
        stock_api: setup::stock(api, sale).await?,
        promo_uses_api,
        commissions_earned,
        invoice_baseline: sale.invoice_baseline,
        release: release.clone(),
        limit_probes: journeys.iter().map(|j| (j.index, j.limit_probe)).collect(),
        unexpected: journeys
            .iter()
            .flat_map(|j| j.unexpected.iter().map(move |u| format!("buyer {}: {u}", j.index)))
            .collect(),
        ..Facts::default()
    };
    if let Some(store) = &target.store {
        read_table(store, sale, &mut orders, &mut facts).await?;
    }
    facts.orders = orders;
    Ok(facts)
}

/// What one buyer sees: their `GET /orders` and the subjects of their emails.
struct BuyerView {
    orders: Vec<Value>,
    subjects: Vec<String>,
}

fn seen_in_api(order: &Value) -> Seen {
    Seen {
        status: order["status"].as_str().unwrap_or_default().to_string(),
        invoice_number: order["invoice_number"].as_str().map(str::to_string),
        paid_at: order["paid_at"].as_str().map(str::to_string),
        promo_code: order["promo_code"].as_str().map(str::to_string),
        total_cents: order["total_cents"].as_i64().unwrap_or(-1),
        quantity: order["items"].as_array().map_or(0, |l| l.iter().filter_map(|l| l["quantity"].as_i64()).sum()),
    }
}

/// Every page of an admin listing.
async fn admin_list(api: &Api, path: &str, admin: Option<&str>) -> Result<Vec<Value>, SimError> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_path = match &cursor {
            Some(c) => format!("{path}?limit=100&cursor={c}"),
            None => format!("{path}?limit=100"),
        };
        let page = api.get(Route::Admin, &page_path, admin).await?;
        if page.status != 200 {
            return Err(SimError::Setup(page.unexpected(path)));
        }
        items.extend(page.body["items"].as_array().cloned().unwrap_or_default());
        match page.text("next_cursor") {
            Some(next) => cursor = Some(next),
            None => return Ok(items),
        }
    }
}

/// The payment records of `/admin/payments` by order, newest first, read back until the
/// sale opened.
async fn admin_payments(api: &Api, sale: &Sale) -> Result<HashMap<String, Vec<PaymentSeen>>, SimError> {
    let mut by_order: HashMap<String, Vec<PaymentSeen>> = HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/admin/payments?limit=100&cursor={c}"),
            None => "/admin/payments?limit=100".to_string(),
        };
        let page = api.get(Route::Admin, &path, Some(&sale.admin_token)).await?;
        if page.status != 200 {
            return Err(SimError::Setup(page.unexpected("/admin/payments")));
        }
        let items = page.body["items"].as_array().cloned().unwrap_or_default();
        let mut older = false;
        for item in &items {
            let at = item["at"].as_str().and_then(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok());
            older |= at.is_some_and(|at| at < sale.opened_at);
            if let Some(order_id) = item["order_id"].as_str() {
                let record = (
                    item["status"].as_str().unwrap_or_default().to_string(),
                    item["amount_cents"].as_i64().unwrap_or(-1),
                );
                by_order.entry(order_id.to_string()).or_default().push(record);
            }
        }
        match page.text("next_cursor") {
            Some(next) if !older => cursor = Some(next),
            _ => return Ok(by_order),
        }
    }
}

/// The table's side: the product, each order, the promo code, the invoice counter and the
/// payment records since the sale opened.
async fn read_table(store: &Store, sale: &Sale, orders: &mut [OrderFacts], facts: &mut Facts) -> Result<(), SimError> {
    use chrono::Datelike;
    facts.table_read = true;
    facts.stock_table = store.product(&sale.product_id).await?.map(|p| p.stock());
    facts.promo_uses_table = store.promo(&sale.promo_code).await?.map(|p| p.uses);
    facts.invoice_counter_after = Some(store.invoice_counter(sale.opened_at.year()).await?);
    let records: Vec<Result<Option<OrderRecord>, _>> = stream::iter(orders.iter().map(|o| o.order_id.clone()))
        .map(|id| async move { store.order(&id).await })
        .buffered(GATHERING)
        .collect()
        .await;
    let mut payments: HashMap<String, Vec<PaymentSeen>> = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        // Newest first, as `/admin/payments` reads them, back to the sale's opening.
        let (items, next) = store.index_page(keys::GSI2, "gsi2", keys::PAYMENTS, 100, after.as_deref(), false).await?;
        let mut older = false;
        for item in items {
            let record: PaymentRecord = from_item(item)?;
            older |= record.at < sale.opened_at;
            if let Some(order_id) = record.order_id {
                payments.entry(order_id).or_default().push((as_written(record.status), record.amount_cents));
            }
        }
        match next {
            Some(next) if !older => after = Some(next),
            _ => break,
        }
    }
    for (order, record) in orders.iter_mut().zip(records) {
        order.table = record?.map(|r| Seen {
            status: as_written(r.status),
            invoice_number: r.invoice_number.clone(),
            paid_at: r.paid_at.map(shared::clock::rfc3339),
            promo_code: r.promo_code.clone(),
            total_cents: r.total_cents,
            quantity: r.items.iter().map(|l| i64::from(l.quantity)).sum(),
        });
        order.payments_table = payments.remove(&order.order_id).unwrap_or_default();
    }
    Ok(())
}

/// A status as the contract writes it.
fn as_written(status: impl serde::Serialize) -> String {
    serde_json::to_value(status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// The invariants, each with what broke it.
pub fn judge(facts: &Facts) -> Vec<Check> {
    let paid: Vec<&OrderFacts> = facts.orders.iter().filter(|o| status(o) == "paid").collect();
    let sold: i64 = paid.iter().map(|o| o.api.as_ref().map_or(0, |s| s.quantity)).sum();
    vec![
        no_oversell(facts, sold),
        stock_balances(facts, sold),
        holds_come_back(facts),
        promo_within_max(facts, &paid),
        sale_limit_held(facts),
        invoices_gapless(facts, &paid),
        one_payment_record(facts),
        one_invoice_email(facts),
        orders_end_as_paid(facts),
        answers_allowed(facts),
    ]
}

/// The order's status as its buyer sees it ("" when not listed).
pub fn status(order: &OrderFacts) -> &str {
    order.api.as_ref().map_or("", |s| s.status.as_str())
}

fn no_oversell(facts: &Facts, sold: i64) -> Check {
    let mut check = Check::new("no oversell", format!("{sold} units sold of {}", facts.units));
    check.expect(sold <= facts.units, || format!("{sold} units sold, only {} on sale", facts.units));
    check.expect(facts.stock_api >= 0, || format!("the catalogue shows a stock of {}", facts.stock_api));
    if let Some(stock) = facts.stock_table {
        check.expect(stock >= 0, || format!("the table holds a stock of {stock}"));
    }
    check
}

fn stock_balances(facts: &Facts, sold: i64) -> Check {
    let table = facts.stock_table.map_or(String::new(), |s| format!(" (table: {s})"));
    let mut check =
        Check::new("stock + units sold = initial", format!("{} + {sold} = {}{table}", facts.stock_api, facts.units));
    check.expect(facts.stock_api + sold == facts.units, || {
        format!("the catalogue's stock {} + {sold} sold ≠ {}", facts.stock_api, facts.units)
    });
    if facts.table_read {
        match facts.stock_table {
            Some(stock) => check.expect(stock + sold == facts.units, || {
                format!("the table's stock {stock} + {sold} sold ≠ {}", facts.units)
            }),
            None => check.fail("the table holds no such product".into()),
        }
    }
    check
}

fn holds_come_back(facts: &Facts) -> Check {
    let r = &facts.release;
    let abandoned: Vec<&OrderFacts> = facts.orders.iter().filter(|o| o.payment == Payment::Never).collect();
    let expired = abandoned.iter().filter(|o| status(o) == "expired").count();
    let mut check = Check::new(
        "abandoned holds come back",
        format!(
            "{expired} of {} abandoned orders expired, stock {} → {}",
            abandoned.len(),
            r.stock_before,
            r.stock_after
        ),
    );
    // The job's own count is not compared: a stack running its schedules (`make dev`) may
    // have released them a moment before.
    check.expect(r.stock_after - r.stock_before == r.abandoned_units, || {
        let (before, after, held) = (r.stock_before, r.stock_after, r.abandoned_units);
        format!("stock went {before} → {after} but {held} units were held by abandoned orders")
    });
    check.expect(expired == abandoned.len(), || format!("{expired} of {} abandoned orders expired", abandoned.len()));
    check
}

fn promo_within_max(facts: &Facts, paid: &[&OrderFacts]) -> Check {
    let with_code =
        paid.iter().filter(|o| o.api.as_ref().and_then(|s| s.promo_code.as_deref()) == Some(&facts.promo_code)).count();
    let max = facts.promo_max_uses as usize;
    let mut check = Check::new("promo uses ≤ max", format!("{with_code} paid orders used it, max {max}"));
    check.expect(with_code <= max, || format!("{with_code} paid orders used the code, max_uses {max}"));
    match facts.promo_uses_api {
        Some(uses) => check.expect(uses as usize == with_code, || {
            format!("/admin/promo-codes counts {uses} uses, {with_code} paid orders used it")
        }),
        None => check.fail("/admin/promo-codes does not list the code".into()),
    }
    if facts.table_read {
        match facts.promo_uses_table {
            Some(uses) => check.expect(uses as usize == with_code, || {
                format!("the table counts {uses} uses, {with_code} paid orders used it")
            }),
            None => check.fail("the table holds no such promo code".into()),
        }
    }
    check.expect(facts.commissions_earned == with_code, || {
        format!("{} commissions earned, {with_code} paid orders used the code", facts.commissions_earned)
    });
    check
}

fn sale_limit_held(facts: &Facts) -> Check {
    let mut by_buyer: HashMap<usize, i64> = HashMap::new();
    for order in facts.orders.iter().filter(|o| status(o) == "paid") {
        *by_buyer.entry(order.buyer).or_default() += order.api.as_ref().map_or(0, |s| s.quantity);
    }
    let refused = facts.limit_probes.iter().filter(|(_, p)| *p == LimitProbe::Refused).count();
    let mut check = Check::new(
        "sale limit",
        format!("at most {} units a buyer; {refused} over-limit asks refused", facts.sale_limit),
    );
    for (buyer, units) in by_buyer {
        check.expect(units <= facts.sale_limit, || {
            format!("buyer {buyer} bought {units} units, limit {}", facts.sale_limit)
        });
    }
    for (buyer, _) in facts.limit_probes.iter().filter(|(_, p)| *p == LimitProbe::Allowed) {
        check.fail(format!("buyer {buyer}'s cart took {} units", facts.sale_limit + 1));
    }
    check
}

/// `INV-YYYY-NNNNNN`: (year, sequence).
fn invoice_parts(number: &str) -> Option<(i32, u64)> {
    let rest = number.strip_prefix("INV-")?;
    let (year, sequence) = rest.split_once('-')?;
    (year.len() == 4 && sequence.len() >= 6).then_some(())?;
    Some((year.parse().ok()?, sequence.parse().ok()?))
}

fn invoices_gapless(facts: &Facts, paid: &[&OrderFacts]) -> Check {
    let mut check = Check::new("invoice numbers gapless", String::new());
    let mut numbers = Vec::new();
    let mut payment_order = Vec::new();
    for order in paid {
        match order.api.as_ref().and_then(|s| s.invoice_number.as_deref()) {
            Some(number) => match invoice_parts(number) {
                Some(parts) => {
                    numbers.push(parts);
                    payment_order.push((parts, order.api.as_ref().and_then(|s| s.paid_at.clone()), &order.order_id));
                }
                None => check.fail(format!("order {} has the invoice number {number}", order.order_id)),
            },
            None => check.fail(format!("paid order {} has no invoice number", order.order_id)),
        }
    }
    for order in facts.orders.iter().filter(|o| status(o) != "paid") {
        if let Some(number) = order.api.as_ref().and_then(|s| s.invoice_number.as_deref()) {
            check.fail(format!("order {} is {} but numbered {number}", order.order_id, status(order)));
        }
    }
    numbers.sort_unstable();
    // In payment order: by number, no order was paid before the one numbered ahead of it.
    payment_order.sort_unstable();
    for pair in payment_order.windows(2) {
        let ((_, earlier_at, earlier), (_, later_at, later)) = (&pair[0], &pair[1]);
        check.expect(earlier_at <= later_at, || {
            format!("order {later} paid at {later_at:?} is numbered after {earlier} paid at {earlier_at:?}")
        });
    }
    let years: std::collections::BTreeSet<i32> = numbers.iter().map(|(y, _)| *y).collect();
    check.expect(years.len() <= 1, || format!("invoices span the years {years:?}"));
    let sequences: Vec<u64> = numbers.iter().map(|(_, n)| *n).collect();
    let first = facts.invoice_baseline.map(|b| b + 1).or(sequences.first().copied()).unwrap_or(1);
    let expected: Vec<u64> = (first..first + sequences.len() as u64).collect();
    check.expect(sequences == expected, || {
        let gaps: Vec<String> =
            expected.iter().filter(|n| !sequences.contains(n)).take(5).map(u64::to_string).collect();
        let twice: Vec<String> =
            sequences.windows(2).filter(|w| w[0] == w[1]).take(5).map(|w| w[0].to_string()).collect();
        format!("expected {first}..={} in a row; missing {gaps:?}, twice {twice:?}", first + sequences.len() as u64 - 1)
    });
    if let (Some(baseline), Some(after)) = (facts.invoice_baseline, facts.invoice_counter_after) {
        check.expect(after == baseline + sequences.len() as u64, || {
            format!("the table's counter went {baseline} → {after} for {} paid orders", sequences.len())
        });
    }
    check.summary = match (sequences.first(), sequences.last()) {
        (Some(a), Some(b)) => format!("{} invoices, {a} to {b}", sequences.len()),
        _ => "no invoice".into(),
    };
    check
}

fn one_payment_record(facts: &Facts) -> Check {
    let mut check = Check::new("one payment record per paid order", String::new());
    let mut records = 0;
    for order in &facts.orders {
        let total = order.api.as_ref().map_or(-1, |s| s.total_cents);
        let wanted: Vec<PaymentSeen> = match status(order) {
            "paid" => vec![("succeeded".into(), total)],
            "payment_failed" => vec![("failed".into(), total)],
            _ => Vec::new(),
        };
        let sources = [("/admin/payments", &order.payments_api)]
            .into_iter()
            .chain(facts.table_read.then_some(("the table", &order.payments_table)));
        for (source, found) in sources {
            records += found.len();
            check.expect(*found == wanted, || {
                format!("order {} ({}): {source} holds {found:?}, expected {wanted:?}", order.order_id, status(order))
            });
        }
    }
    let paid = facts.orders.iter().filter(|o| status(o) == "paid").count();
    check.summary = format!("{paid} paid orders; {records} records read");
    check
}

/// An invoice email's subject names the order by its short reference, in the buyer's language:
/// "Invoice F-2026-000042 — order 3F2A9C1B" or "Facture … — commande 3F2A9C1B".
fn is_invoice_subject_of(subject: &str, order_id: &str) -> bool {
    (subject.starts_with("Invoice ") || subject.starts_with("Facture "))
        && subject.ends_with(&format!(" {}", shared::domain::order::reference(order_id)))
}

fn one_invoice_email(facts: &Facts) -> Check {
    let mut check = Check::new("one invoice email per paid order", String::new());
    let mut sent = 0;
    for order in &facts.orders {
        sent += order.invoice_emails.len();
        match (status(order), order.api.as_ref().and_then(|s| s.invoice_number.as_deref())) {
            ("paid", Some(number)) => {
                check.expect(order.invoice_emails.len() == 1 && order.invoice_emails[0].contains(number), || {
                    format!(
                        "paid order {} ({number}) has the invoice emails {:?}",
                        order.order_id, order.invoice_emails
                    )
                })
            }
            _ => check.expect(order.invoice_emails.is_empty(), || {
                format!("order {} is {} but got {:?}", order.order_id, status(order), order.invoice_emails)
            }),
        }
    }
    check.summary = format!("{sent} invoice emails");
    check
}

fn orders_end_as_paid(facts: &Facts) -> Check {
    let mut check = Check::new("every order ends as its payment says", format!("{} orders", facts.orders.len()));
    for order in &facts.orders {
        let expected = order.payment.expected_status();
        match &order.api {
            None => check.fail(format!("order {} is not in its buyer's GET /orders", order.order_id)),
            Some(seen) => check.expect(seen.status == expected, || {
                format!("order {} ({:?}) is {}, expected {expected}", order.order_id, order.payment, seen.status)
            }),
        }
        if facts.table_read {
            check.expect(order.table.is_some() && order.table == order.api, || {
                format!("order {}: the table holds {:?}, the API shows {:?}", order.order_id, order.table, order.api)
            });
        }
    }
    check
}

fn answers_allowed(facts: &Facts) -> Check {
    let mut check = Check::new("every answer as the contract allows", String::new());
    for problem in &facts.unexpected {
        check.fail(problem.clone());
    }
    check.summary = format!("{} unexpected", facts.unexpected.len());
    check
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paid_order(id: &str, buyer: usize, invoice: u64) -> OrderFacts {
        let seen = Seen {
            status: "paid".into(),
            invoice_number: Some(format!("INV-2026-{invoice:06}")),
            paid_at: Some(format!("2026-11-24T10:{:02}:00Z", invoice % 60)),
            promo_code: None,
            total_cents: 2000,
            quantity: 1,
        };
        OrderFacts {
            order_id: id.into(),
            buyer,
            payment: Payment::Card(crate::buyer::VISA),
            second_chance: false,
            api: Some(seen.clone()),
            table: Some(seen),
            payments_api: vec![("succeeded".into(), 2000)],
            payments_table: vec![("succeeded".into(), 2000)],
            invoice_emails: vec![format!("Invoice INV-2026-{invoice:06} — order {id}")],
        }
    }

    fn sale_of(units: i64, orders: Vec<OrderFacts>) -> Facts {
        let sold = orders.len() as i64;
        Facts {
            units,
            sale_limit: 2,
            promo_code: "FLASH".into(),
            promo_max_uses: 1,
            orders,
            stock_api: units - sold,
            stock_table: Some(units - sold),
            promo_uses_api: Some(0),
            promo_uses_table: Some(0),
            invoice_baseline: Some(0),
            invoice_counter_after: Some(sold as u64),
            table_read: true,
            ..Facts::default()
        }
    }

    fn broken(checks: &[Check]) -> Vec<&'static str> {
        checks.iter().filter(|c| !c.passed()).map(|c| c.name).collect()
    }

    #[test]
    fn a_clean_sale_passes_every_check() {
        let facts = sale_of(2, vec![paid_order("a", 0, 1), paid_order("b", 1, 2)]);
        assert_eq!(broken(&judge(&facts)), Vec::<&str>::new());
    }

    #[test]
    fn an_oversold_unit_breaks_the_stock_checks() {
        let mut facts = sale_of(1, vec![paid_order("a", 0, 1), paid_order("b", 1, 2)]);
        facts.stock_api = 0;
        facts.stock_table = Some(0);
        assert_eq!(broken(&judge(&facts)), ["no oversell", "stock + units sold = initial"]);
    }

    #[test]
    fn a_gap_a_second_payment_and_a_second_invoice_email_are_each_named() {
        let mut second = paid_order("b", 1, 3);
        second.payments_api.push(("succeeded".into(), 2000));
        second.invoice_emails.push(second.invoice_emails[0].clone());
        let mut facts = sale_of(2, vec![paid_order("a", 0, 1), second]);
        facts.invoice_counter_after = Some(3);
        let checks = judge(&facts);
        assert_eq!(
            broken(&checks),
            ["invoice numbers gapless", "one payment record per paid order", "one invoice email per paid order"]
        );
        let gapless = checks.iter().find(|c| c.name == "invoice numbers gapless").expect("the check");
        assert!(gapless.problems.iter().any(|p| p.contains("missing [\"2\"]")), "{:?}", gapless.problems);
    }

    #[test]
    fn an_invoice_numbered_before_an_earlier_payment_is_named() {
        let mut later = paid_order("b", 1, 1);
        let mut earlier = paid_order("a", 0, 2);
        for (order, at) in [(&mut later, "2026-11-24T10:05:00Z"), (&mut earlier, "2026-11-24T10:01:00Z")] {
            for seen in [&mut order.api, &mut order.table] {
                seen.as_mut().expect("seen").paid_at = Some(at.into());
            }
        }
        let checks = judge(&sale_of(2, vec![earlier, later]));
        assert_eq!(broken(&checks), ["invoice numbers gapless"]);
        let gapless = checks.iter().find(|c| c.name == "invoice numbers gapless").expect("the check");
        assert!(gapless.problems.iter().any(|p| p.contains("numbered after")), "{:?}", gapless.problems);
    }

    #[test]
    fn a_promo_code_used_past_its_maximum_and_a_buyer_over_the_limit_are_caught() {
        let mut orders = vec![paid_order("a", 0, 1), paid_order("b", 0, 2), paid_order("c", 1, 3)];
        for order in &mut orders[1..] {
            order.api.as_mut().expect("seen").promo_code = Some("FLASH".into());
        }
        let mut facts = sale_of(5, orders);
        facts.promo_uses_api = Some(2);
        facts.promo_uses_table = Some(2);
        facts.commissions_earned = 2;
        facts.orders[1].api.as_mut().expect("seen").quantity = 2;
        facts.stock_api = 1;
        facts.stock_table = Some(1);
        assert_eq!(broken(&judge(&facts)), ["promo uses ≤ max", "sale limit", "every order ends as its payment says"]);
    }
}
