//! Pure business rules: values that cannot be invalid once parsed, prices, state machines.
//! Nothing here does I/O or knows DynamoDB.
pub mod account;
pub mod lifecycle;
pub mod money;
pub mod order;
pub mod pricing;
pub mod search;
pub mod settings;

pub use account::{hash_password, verify_password, Email, Name, Password};
pub use money::{format_amount, Cents, Percent, Quantity};
