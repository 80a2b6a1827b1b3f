//! Subscriptions (customer): subscribe to a plan (a trial for a user's first, the hosted
//! page to collect the card, or a saved method at once), list and read them, change the
//! method (a past-due or suspended one is charged at once), cancel at the period's end.
//! Someone else's subscription does not exist for the caller.
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use shared::domain::subscription::SubscriptionStatus;
use shared::http::{self, base_url, json_body, path_param, Caller, HttpResult, Route};
use shared::payments::{methods, ReturnUrls};
use shared::saved_methods;
use shared::subscriptions::{self, Paying, SubscriptionView};
use shared::{ApiError, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::serve(&req, |route| dispatch(app, &req, route)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscribeBody {
    plan_id: String,
    payment_method: String,
    /// Where the hosted page sends the subscriber afterwards (see `ReturnUrls`).
    #[serde(default)]
    success_url: Option<String>,
    #[serde(default)]
    cancel_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MethodBody {
    payment_method_id: String,
}

#[derive(Serialize)]
struct Subscribed {
    subscription_id: String,
    status: SubscriptionStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect_url: Option<String>,
    subscription: SubscriptionView,
}

#[derive(Serialize)]
struct Listing {
    items: Vec<SubscriptionView>,
}

async fn dispatch(app: &App, req: &Request, route: Route) -> HttpResult {
    let caller = Caller::from_request(app, req)?;
    let user_id = &caller.user_id;
    match route {
        Route::CreateSubscription => {
            let body: SubscribeBody = json_body(req)?;
            // Every check before anything is written or charged.
            let return_urls = ReturnUrls::checked(
                &app.config.allowed_origins,
                body.success_url.as_deref(),
                body.cancel_url.as_deref(),
            )?;
            let plan_id = shared::domain::saved_method::parse_id(&body.plan_id, "plan_id")
                .map_err(|_| ApiError::NotFound { code: "plan_not_found", what: "plan" })?;
            let plan =
                app.store.plan(plan_id).await?.ok_or(ApiError::NotFound { code: "plan_not_found", what: "plan" })?;
            let paying = match methods::kind(&body.payment_method) {
                Some(kind) => Paying::Page(kind, return_urls),
                None => Paying::Saved(Box::new(
                    saved_methods::chargeable(app, user_id, &body.payment_method, "payment_method").await?,
                )),
            };
            let user = app.store.user(user_id).await?.ok_or(ApiError::Unauthorized)?;
            let created = subscriptions::create(app, &user, &plan, paying, &base_url(&app.config, req)).await?;
            let subscription = SubscriptionView::from(&created.record);
            http::created(&Subscribed {
                subscription_id: subscription.subscription_id.clone(),
                status: subscription.status,
                redirect_url: created.redirect_url,
                subscription,
            })
        }
        Route::ListSubscriptions => {
            let subs = app.store.user_subscriptions(user_id).await?;
            http::ok(&Listing { items: subs.iter().map(SubscriptionView::from).collect() })
        }
        Route::GetSubscription => {
            let id = path_param(req, "subscription_id")?;
            let sub = app.store.subscription(user_id, &id).await?.ok_or_else(not_found)?;
            http::ok(&SubscriptionView::from(&sub))
        }
        Route::ChangeSubscriptionMethod => {
            let id = path_param(req, "subscription_id")?;
            let body: MethodBody = json_body(req)?;
            app.store.subscription(user_id, &id).await?.ok_or_else(not_found)?;
            let method = saved_methods::chargeable(app, user_id, &body.payment_method_id, "payment_method_id").await?;
            let sub = subscriptions::change_method(app, user_id, &id, &method, &base_url(&app.config, req)).await?;
            http::ok(&SubscriptionView::from(&sub))
        }
        Route::CancelSubscription => {
            let id = path_param(req, "subscription_id")?;
            let sub = subscriptions::cancel(app, user_id, &id).await?;
            http::ok(&SubscriptionView::from(&sub))
        }
        other => Err(ApiError::RouteNotFound(other.to_string())),
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("subscription")
}
