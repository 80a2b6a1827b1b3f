//! Every HTTP route of Capsule, once: the local gateway routes by this table, each function
//! dispatches on its `Route` variants (the compiler checks the names, no route strings are
//! repeated), and tests hold `template.yaml` and `openapi.yaml` to it.
use std::collections::HashMap;

/// A route: its method, its path as API Gateway writes it, and the function serving it.
#[derive(Debug)]
pub struct RouteSpec {
    pub route: Route,
    pub method: &'static str,
    pub path: &'static str,
    pub function: &'static str,
}

macro_rules! routes {
    ($($name:ident: $method:literal $path:literal => $function:literal,)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Route {
            $($name,)*
        }

        pub const ROUTES: &[RouteSpec] = &[
            $(RouteSpec { route: Route::$name, method: $method, path: $path, function: $function },)*
        ];
    };
}

routes! {
    Signup: "POST" "/auth/signup" => "auth",
    Login: "POST" "/auth/login" => "auth",
    GetAccount: "GET" "/account" => "auth",
    UpdateAccount: "PATCH" "/account" => "auth",
    ListProducts: "GET" "/products" => "catalog",
    GetProduct: "GET" "/products/{product_id}" => "catalog",
    PickupPoints: "GET" "/pickup-points" => "catalog",
    Plans: "GET" "/plans" => "catalog",
    GetCart: "GET" "/cart" => "add-to-cart",
    AddCartItem: "POST" "/cart/items" => "add-to-cart",
    SetCartItem: "PUT" "/cart/items/{product_id}" => "add-to-cart",
    RemoveCartItem: "DELETE" "/cart/items/{product_id}" => "add-to-cart",
    ApplyPromoCode: "POST" "/cart/promo-code" => "add-to-cart",
    RemovePromoCode: "DELETE" "/cart/promo-code" => "add-to-cart",
    QuoteCart: "POST" "/cart/quote" => "add-to-cart",
    Checkout: "POST" "/checkout" => "checkout",
    ListOrders: "GET" "/orders" => "orders",
    GetOrder: "GET" "/orders/{order_id}" => "orders",
    CancelOrder: "POST" "/orders/{order_id}/cancel" => "cancel-order",
    ShowPaymentPage: "GET" "/portal/sessions/{session_id}" => "payment-portal",
    SubmitPayment: "POST" "/portal/sessions/{session_id}" => "payment-portal",
    PaymentReturn: "GET" "/portal/sessions/{session_id}/return" => "payment-portal",
    PaymentWebhook: "POST" "/webhooks/payments" => "payment-webhook",
    StripeWebhook: "POST" "/webhooks/stripe" => "payment-webhook",
    ListPaymentMethods: "GET" "/payment-methods" => "payment-methods",
    DeletePaymentMethod: "DELETE" "/payment-methods/{payment_method_id}" => "payment-methods",
    CreateSubscription: "POST" "/subscriptions" => "subscribe",
    ListSubscriptions: "GET" "/subscriptions" => "subscribe",
    GetSubscription: "GET" "/subscriptions/{subscription_id}" => "subscribe",
    ChangeSubscriptionMethod: "PUT" "/subscriptions/{subscription_id}/payment-method" => "subscribe",
    CancelSubscription: "POST" "/subscriptions/{subscription_id}/cancel" => "subscribe",
    CreateProduct: "POST" "/admin/products" => "admin-catalogue",
    PatchProduct: "PATCH" "/admin/products/{product_id}" => "admin-catalogue",
    GetSettings: "GET" "/admin/settings" => "admin",
    PutSettings: "PUT" "/admin/settings" => "admin",
    CreateSale: "POST" "/admin/sales" => "admin",
    ListSales: "GET" "/admin/sales" => "admin",
    CreatePromoCode: "POST" "/admin/promo-codes" => "admin",
    ListPromoCodes: "GET" "/admin/promo-codes" => "admin",
    PromoCommissions: "GET" "/admin/promo-codes/{code}/commissions" => "admin",
    UnpaidCarts: "GET" "/admin/carts" => "admin",
    Payments: "GET" "/admin/payments" => "admin",
    StockAlerts: "GET" "/admin/stock-alerts" => "admin",
    AdminSubscriptions: "GET" "/admin/subscriptions" => "admin",
    AdminListOrders: "GET" "/admin/orders" => "admin-orders",
    AdminGetOrder: "GET" "/admin/orders/{order_id}" => "admin-orders",
    AdminCancelOrder: "POST" "/admin/orders/{order_id}/cancel" => "admin-orders",
    AdminRefundOrder: "POST" "/admin/orders/{order_id}/refunds" => "admin-orders",
    AdminFulfilOrder: "POST" "/admin/orders/{order_id}/fulfilment" => "admin-orders",
    Bootstrap: "POST" "/bootstrap" => "admin-bootstrap",
    AdminListPlans: "GET" "/admin/plans" => "admin",
    AdminCreatePlan: "POST" "/admin/plans" => "admin",
    AdminPatchPlan: "PATCH" "/admin/plans/{plan_id}" => "admin",
    AdminListPickupPoints: "GET" "/admin/pickup-points" => "admin",
    AdminCreatePickupPoint: "POST" "/admin/pickup-points" => "admin",
    AdminPatchPickupPoint: "PATCH" "/admin/pickup-points/{pickup_point_id}" => "admin",
    DeactivatePromoCode: "POST" "/admin/promo-codes/{code}/deactivate" => "admin",
    AdminListProducts: "GET" "/admin/products" => "admin-catalogue",
    ArchiveProduct: "POST" "/admin/products/{product_id}/archive" => "admin-catalogue",
    UnarchiveProduct: "POST" "/admin/products/{product_id}/unarchive" => "admin-catalogue",
    PatchSale: "PATCH" "/admin/sales/{sale_id}" => "admin",
    EndSale: "POST" "/admin/sales/{sale_id}/end" => "admin",
}

impl Route {
    pub fn spec(self) -> &'static RouteSpec {
        // The macro lists ROUTES in the enum's order.
        &ROUTES[self as usize]
    }

    /// The route of an API Gateway route key (`"POST /orders/{order_id}/cancel"`).
    pub fn from_key(key: &str) -> Option<Self> {
        let (method, path) = key.split_once(' ')?;
        ROUTES.iter().find(|r| r.method == method && r.path == path).map(|r| r.route)
    }

    /// The route a request path matches, with its path parameters. Literal segments win
    /// over parameters, as in API Gateway.
    pub fn find(method: &str, path: &str) -> Option<(Self, HashMap<String, String>)> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let mut best: Option<(Self, HashMap<String, String>, usize)> = None;
        for spec in ROUTES.iter().filter(|r| r.method == method) {
            let pattern: Vec<&str> = spec.path.split('/').collect();
            if pattern.len() != segments.len() {
                continue;
            }
            let mut params = HashMap::new();
            let mut literals = 0;
            let matched = pattern.iter().zip(&segments).all(|(p, s)| {
                match p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    Some(name) if !s.is_empty() => {
                        params.insert(name.to_string(), (*s).to_string());
                        true
                    }
                    Some(_) => false,
                    None => {
                        literals += 1;
                        p == s
                    }
                }
            });
            if matched && best.as_ref().is_none_or(|(_, _, l)| literals > *l) {
                best = Some((spec.route, params, literals));
            }
        }
        best.map(|(route, params, _)| (route, params))
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.spec().method, self.spec().path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_the_enums_order_and_each_key_is_unique() {
        for (i, spec) in ROUTES.iter().enumerate() {
            assert_eq!(spec.route as usize, i);
            assert_eq!(Route::from_key(&spec.route.to_string()), Some(spec.route));
        }
    }

    #[test]
    fn literal_segments_win_and_parameters_are_captured() {
        let (route, params) = Route::find("GET", "/products/cap-1").expect("matches");
        assert_eq!(route, Route::GetProduct);
        assert_eq!(params.get("product_id").map(String::as_str), Some("cap-1"));
        assert!(Route::find("DELETE", "/products/cap-1").is_none());
        assert!(Route::find("GET", "/products/cap-1/extra").is_none());
        assert!(Route::find("GET", "/products/").is_some_and(|(r, _)| r == Route::ListProducts));
    }
}
