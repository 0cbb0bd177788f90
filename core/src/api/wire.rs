//! Status-like fields on the wire. A value this build knows reads as `Known`; a newer one
//! reads as `Unknown`, kept as sent, so an older client survives a new state and writes the
//! value back unchanged.

use crate::accounts::keys::KeyScope;
use crate::accounts::profile::BusinessType;
use crate::state::{Claim, Fulfillment, Payout, Refund, Status};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A closed set of values with one wire name each.
pub trait WireName: Copy + Sized {
    fn wire_name(self) -> &'static str;
    fn from_wire(text: &str) -> Option<Self>;
}

/// One status-like field as it travels: a known value, or one this build does not know.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Wire<T> {
    Known(T),
    Unknown(String),
}

impl<T: WireName> Wire<T> {
    /// Reads a wire name; an unknown one is kept as it is.
    pub fn read(text: &str) -> Wire<T> {
        T::from_wire(text).map_or_else(|| Wire::Unknown(text.to_owned()), Wire::Known)
    }

    /// The wire name, known or not.
    pub fn as_str(&self) -> &str {
        match self {
            Wire::Known(value) => value.wire_name(),
            Wire::Unknown(text) => text,
        }
    }

    /// The value, when this build knows it.
    pub fn known(&self) -> Option<T> {
        match self {
            Wire::Known(value) => Some(*value),
            Wire::Unknown(_) => None,
        }
    }
}

impl<T> From<T> for Wire<T> {
    fn from(value: T) -> Wire<T> {
        Wire::Known(value)
    }
}

/// The state a field starts in, for fields an older edge may leave out.
impl<T: Default> Default for Wire<T> {
    fn default() -> Wire<T> {
        Wire::Known(T::default())
    }
}

impl<T: WireName> Serialize for Wire<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de, T: WireName> Deserialize<'de> for Wire<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Wire<T>, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(Wire::read(&text))
    }
}

/// Enums whose `as_str` and `parse` already are their wire names.
macro_rules! wire_names {
    ($($name:ty),+ $(,)?) => {$(
        impl WireName for $name {
            fn wire_name(self) -> &'static str {
                self.as_str()
            }

            fn from_wire(text: &str) -> Option<$name> {
                <$name>::parse(text)
            }
        }
    )+};
}
wire_names!(Fulfillment, Payout, Claim, Refund, KeyScope, BusinessType);

/// `processing` is the ledger's internal lock: clients see `requested`, and never read it.
impl WireName for Status {
    fn wire_name(self) -> &'static str {
        self.public_str()
    }

    fn from_wire(text: &str) -> Option<Status> {
        Status::parse(text).filter(|s| *s != Status::Processing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_values_read_and_write_back() {
        let paid: Wire<Status> = serde_json::from_str("\"paid\"").unwrap();
        assert_eq!(paid, Wire::Known(Status::Paid));
        let newer: Wire<Status> = serde_json::from_str("\"on_hold\"").unwrap();
        assert_eq!(newer, Wire::Unknown("on_hold".into()));
        assert_eq!(newer.known(), None);
        assert_eq!(serde_json::to_string(&newer).unwrap(), "\"on_hold\"");
        // Never on the wire: the internal lock reads as a value this build does not know.
        assert_eq!(Wire::<Status>::read("processing").known(), None);
        assert_eq!(Wire::from(Status::Processing).as_str(), "requested");
        assert_eq!(
            Wire::<Claim>::read("seller_responded").known(),
            Some(Claim::SellerResponded)
        );
        assert!(serde_json::from_str::<Wire<Refund>>("1").is_err());
    }
}
