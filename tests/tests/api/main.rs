mod accounts;
mod catalogue;
mod emulator;
mod local_stack;
