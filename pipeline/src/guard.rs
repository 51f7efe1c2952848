//! Third-party readers of outside input (arrow's IPC reader, calamine) run so that a
//! panic inside one on malformed bytes is a refusal of that input, never a crash or a
//! 500: [`catching`]. Such a panic is expected and handled, so [`install_quiet_hook`]
//! keeps its message (and backtrace) out of stderr; every other panic is told as before.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    /// Whether this thread is inside [`catching`].
    static CATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `read`; `None` when it panicked. The reader's state is dropped with the panic
/// and nothing else is shared with it, so unwinding out of it is safe.
pub fn catching<T>(read: impl FnOnce() -> T) -> Option<T> {
    let outer = CATCHING.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(read)).ok();
    CATCHING.with(|c| c.set(outer));
    result
}

/// Installs a panic hook that says nothing of a panic [`catching`] will catch. Once per
/// process, before any reader runs (the binary's start, a test module).
pub fn install_quiet_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let told = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CATCHING.with(Cell::get) {
                told(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_is_caught_and_the_flag_restored() {
        install_quiet_hook();
        assert_eq!(catching(|| 7), Some(7));
        assert_eq!(catching(|| -> i32 { panic!("malformed") }), None);
        assert!(!CATCHING.with(Cell::get));
    }
}
