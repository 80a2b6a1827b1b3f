//! Round trips per use case, counted by the SDK interceptor every client carries
//! (`shared::calls`): each use case is held to its budget of DynamoDB calls, so a change
//! that adds one fails here.
use capsule_tests::{card_form, pickup, spawn_app, TestApp};
use reqwest::StatusCode;
use serde_json::json;

/// DynamoDB calls one function made while `work` ran.
async fn dynamodb_calls<F: std::future::Future>(app: &TestApp, function: &str, work: F) -> (u64, F::Output) {
    let before = app.stack.app.calls.of(function, "dynamodb");
    let output = work.await;
    (app.stack.app.calls.of(function, "dynamodb") - before, output)
}

#[tokio::test]
async fn each_use_case_stays_within_its_dynamodb_calls() {
    let app = spawn_app().await;
    let (_, token) = app.customer("counted").await;
    let product = app.product_with_stock(1200, 50).await;
    app.add(&token, &product, 1).await; // a cart exists, as for most adds
                                        // A warm container: its reference data (settings, pickup points) is cached.
    app.get("/pickup-points", None).await;

    let (add, answer) = dynamodb_calls(&app, "add-to-cart", app.add(&token, &product, 2)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let checkout = json!({"payment_method": "card", "delivery": pickup()});
    let (placed_calls, placed) = dynamodb_calls(&app, "checkout", app.post("/checkout", Some(&token), checkout)).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let url = placed.body["redirect_url"].as_str().expect("redirect_url").to_string();
    let (page, _) = dynamodb_calls(&app, "payment-portal", app.pay(&url, &card_form("4242424242424242"))).await;
    let order_id = placed.body["order_id"].as_str().expect("id");
    let (webhook, _) = dynamodb_calls(&app, "payment-webhook", app.order_when(&token, order_id, "paid")).await;
    let (numbering, _) = dynamodb_calls(&app, "invoice-numbering", app.number_invoices()).await;

    eprintln!(
        "DynamoDB calls: add-to-cart {add}, checkout {placed_calls}, hosted page {page}, webhook {webhook}, \
         numbering {numbering}"
    );
    if std::env::var_os("CALLS").is_some() {
        eprintln!("{:?}", app.stack.app.calls.all());
    }
    // The cart and the product in one read, the cart in one write.
    assert!(add <= 2, "add-to-cart made {add} DynamoDB calls");
    // The account and the cart, the products, then the hold, the order, the locked cart
    // and the payment session in one transaction.
    assert!(placed_calls <= 3, "checkout made {placed_calls} DynamoDB calls");
    // The session, the order, the completion with its outcome's outbox item, the delivered mark.
    assert!(page <= 4, "the hosted page made {page} DynamoDB calls");
    // The order, the paid transition. No counter and no product: the numbering gives the
    // invoice number later, sends the invoice and OrderPaid, and checks the stock.
    assert!(webhook <= 2, "the paid webhook made {webhook} DynamoDB calls");
    // For a batch: the orders due, the counter, the numbers with their outbox, the delivered
    // marks, and the batch's products once for the low-stock check.
    assert!(numbering <= 5, "the numbering of one batch made {numbering} DynamoDB calls");
}
