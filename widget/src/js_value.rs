//! Plain JavaScript objects built from Rust, for `postMessage`, `Intl` options and the pay
//! body (whose JSON the browser writes, escaping included).

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

/// A plain JS object from key/value pairs.
pub fn js_object<'a>(pairs: impl IntoIterator<Item = &'a (&'a str, JsValue)>) -> JsValue {
    let object = Object::new();
    for (key, value) in pairs {
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}
