mod accounts;
mod cart;
mod catalogue;
mod checkout;
mod emulator;
mod local_stack;
mod orders;
mod payments;
