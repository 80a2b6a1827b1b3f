//! Everything the Capsule functions share: pure business rules (`domain`), DynamoDB access
//! (`store`), payments, notifications, and the HTTP plumbing of the contract in API.md.
pub mod access;
pub mod app;
pub mod bootstrap;
pub mod calls;
pub mod cart;
pub mod clock;
pub mod config;
pub mod domain;
pub mod entry;
pub mod http;
pub mod i18n;
pub mod invoices;
pub mod notify;
pub mod orders;
pub mod outbox;
pub mod payments;
pub mod retry;
pub mod saved_methods;
pub mod sdk;
pub mod stock;
pub mod store;
pub mod subscriptions;
pub mod telemetry;
pub mod views;

pub use app::App;
pub use http::error::ApiError;
