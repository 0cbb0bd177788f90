//! The masking rule of [`chatpay_core::mask`] for the browser, with no wasm-bindgen glue so
//! the module stays a few kilobytes. The loader talks to it through linear memory:
//!
//! 1. `input(len)` returns where to write `len` bytes of UTF-8 text;
//! 2. `mask(len)` masks those bytes and returns the masked text's length, or `u32::MAX`
//!    when the bytes were not UTF-8;
//! 3. `output()` returns where the masked text starts.
//!
//! One text at a time: each `input` call forgets everything the previous text used.

#[cfg(target_arch = "wasm32")]
mod bump;

use std::sync::atomic::{AtomicUsize, Ordering};

/// The input buffer and the last output, as addresses (wasm has one thread).
static INPUT: AtomicUsize = AtomicUsize::new(0);
static OUTPUT: AtomicUsize = AtomicUsize::new(0);

/// Makes room for `len` bytes of input and returns its address.
#[no_mangle]
pub extern "C" fn input(len: u32) -> *mut u8 {
    #[cfg(target_arch = "wasm32")]
    bump::forget_all();
    let buffer: &'static mut [u8] = Vec::leak(vec![0u8; len as usize]);
    INPUT.store(buffer.as_mut_ptr() as usize, Ordering::Relaxed);
    buffer.as_mut_ptr()
}

/// Masks the first `len` input bytes; returns the masked text's length in bytes.
#[no_mangle]
pub extern "C" fn mask(len: u32) -> u32 {
    let at = INPUT.load(Ordering::Relaxed) as *const u8;
    // SAFETY: `input` made room for `len` bytes at `at` and the caller wrote them.
    let bytes = unsafe { std::slice::from_raw_parts(at, len as usize) };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return u32::MAX;
    };
    let masked: &'static str = match chatpay_core::mask::mask_card_numbers(text) {
        std::borrow::Cow::Borrowed(_) => {
            OUTPUT.store(at as usize, Ordering::Relaxed);
            return len;
        }
        std::borrow::Cow::Owned(owned) => String::leak(owned),
    };
    OUTPUT.store(masked.as_ptr() as usize, Ordering::Relaxed);
    masked.len() as u32
}

/// Where the last masked text starts.
#[no_mangle]
pub extern "C" fn output() -> *const u8 {
    OUTPUT.load(Ordering::Relaxed) as *const u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        let at = input(text.len() as u32);
        // SAFETY: `input` just made room for exactly `text.len()` bytes at `at`.
        unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), at, text.len()) };
        let len = mask(text.len() as u32) as usize;
        // SAFETY: `output` points at the `len` bytes `mask` just wrote.
        let bytes = unsafe { std::slice::from_raw_parts(output(), len) };
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn masks_through_linear_memory() {
        assert_eq!(round_trip("卡号4242424242424242"), "卡号••••••••••••4242");
        assert_eq!(round_trip("order 123"), "order 123");
        assert_eq!(round_trip(""), "");
        let at = input(1);
        // SAFETY: one byte was made room for.
        unsafe { *at = 0xFF };
        assert_eq!(mask(1), u32::MAX);
    }
}
