//! Shipment tracking on an order: `POST /v2/checkout/orders/{id}/track`.

use super::super::connector::{Done, Failure, Tracking};
use super::client::{done_failed, path_id, request_id, to_json, Call, Client, Method};
use super::orders::truncate;
use serde::{Deserialize, Serialize};

/// PayPal's `carrier_name_other` limit.
const MAX_CARRIER_NAME: usize = 64;

#[derive(Serialize)]
pub struct TrackRequest<'a> {
    capture_id: &'a str,
    /// Required by the 2.13 document (`shipment_tracker`): the capture is the transaction.
    transaction_id: &'a str,
    tracking_number: &'a str,
    /// Required by the 2.13 document.
    status: &'static str,
    carrier: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    carrier_name_other: Option<&'a str>,
    /// The ledger tells the buyer itself.
    notify_payer: bool,
}

/// Common carrier names, as sellers type them, to PayPal's `shipment_carrier` values (each
/// checked against the 2.13 enum). Keys are normalized by [`normalize`].
const CARRIERS: &[(&str, &str)] = &[
    ("UPS", "UPS"),
    ("UNITED_PARCEL_SERVICE", "UPS"),
    ("USPS", "USPS"),
    ("US_POSTAL_SERVICE", "USPS"),
    ("UNITED_STATES_POSTAL_SERVICE", "USPS"),
    ("FEDEX", "FEDEX"),
    ("FED_EX", "FEDEX"),
    ("FEDERAL_EXPRESS", "FEDEX"),
    ("DHL", "DHL"),
    ("DHL_EXPRESS", "DHL"),
    ("ROYAL_MAIL", "ROYAL_MAIL"),
    ("PARCELFORCE", "PARCELFORCE"),
    ("PARCELFORCE_WORLDWIDE", "PARCELFORCE"),
    ("CANADA_POST", "CA_CANADA_POST"),
    ("AUSTRALIA_POST", "AU_AU_POST"),
    ("AUSPOST", "AU_AU_POST"),
    ("JAPAN_POST", "JPN_JAPAN_POST"),
    ("YAMATO", "YAMATO"),
    ("YAMATO_TRANSPORT", "YAMATO"),
    ("SAGAWA", "SAGAWA"),
    ("SAGAWA_EXPRESS", "SAGAWA"),
    ("NZ_POST", "NZ_NZ_POST"),
    ("POSTNL", "NLD_POSTNL"),
    ("COLISSIMO", "FR_COLISSIMO"),
    ("ONTRAC", "ONTRAC"),
    ("LASERSHIP", "US_LASERSHIP"),
    ("PUROLATOR", "PUROLATOR"),
    ("CANPAR", "CANPAR"),
    ("DPD", "DPD"),
    ("GLS", "GLS"),
    ("TNT", "TNT"),
    ("ARAMEX", "ARAMEX"),
    ("HERMES", "HERMES"),
    ("YODEL", "YODEL"),
    ("AMAZON", "AMAZON"),
    ("AMAZON_LOGISTICS", "AMAZON"),
];

/// `Fed-Ex ` → `FED_EX`, `U.S. Mail` → `US_MAIL`: upper case, dots dropped, runs of
/// anything else one `_`.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c == '.' {
            continue;
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

/// PayPal's carrier value for a seller's carrier name, and the name itself when PayPal
/// only knows it as `OTHER`.
pub fn carrier(name: &str) -> (&'static str, Option<&str>) {
    let key = normalize(name);
    match CARRIERS.iter().find(|(alias, _)| *alias == key) {
        Some((_, value)) => (value, None),
        None => ("OTHER", truncate(name, MAX_CARRIER_NAME)),
    }
}

pub fn track_request<'a>(tracking: &Tracking<'a>) -> TrackRequest<'a> {
    let (carrier, carrier_name_other) = carrier(tracking.carrier);
    TrackRequest {
        capture_id: tracking.capture_ref,
        transaction_id: tracking.capture_ref,
        tracking_number: tracking.tracking_number.trim(),
        status: "SHIPPED",
        carrier,
        carrier_name_other,
        notify_payer: false,
    }
}

/// The order as `track` answers it: the tracker's id is all we keep.
#[derive(Deserialize)]
struct Tracked {
    #[serde(default)]
    purchase_units: Vec<TrackedUnit>,
}

#[derive(Deserialize)]
struct TrackedUnit {
    #[serde(default)]
    shipping: Option<TrackedShipping>,
}

#[derive(Deserialize)]
struct TrackedShipping {
    #[serde(default)]
    trackers: Vec<Tracker>,
}

#[derive(Deserialize)]
struct Tracker {
    id: String,
}

/// The id of the tracker just added: the newest one on the order, else PayPal's documented
/// form `{capture_id}-{tracking_number}`.
fn tracker_ref(body: &str, tracking: &Tracking<'_>) -> String {
    serde_json::from_str::<Tracked>(body)
        .ok()
        .and_then(|t| {
            t.purchase_units
                .into_iter()
                .filter_map(|u| u.shipping)
                .flat_map(|s| s.trackers)
                .map(|t| t.id)
                .next_back()
        })
        .unwrap_or_else(|| {
            format!(
                "{}-{}",
                tracking.capture_ref,
                tracking.tracking_number.trim()
            )
        })
}

pub async fn add(client: &Client<'_>, tracking: Tracking<'_>) -> Done {
    try_add(client, &tracking).await.unwrap_or_else(done_failed)
}

async fn try_add(client: &Client<'_>, tracking: &Tracking<'_>) -> Result<Done, Failure> {
    let order = path_id(tracking.order_ref)?;
    path_id(tracking.capture_ref)?;
    let key = request_id(tracking.key, "track")?;
    let body = to_json(&track_request(tracking))?;
    let call = Call {
        operation: "add_tracking",
        method: Method::Post,
        path: format!("/v2/checkout/orders/{order}/track"),
        body: Some(body),
        request_id: Some(&key),
        representation: true,
    };
    let answer = client.send(&call).await?.accepted()?;
    Ok(Done::Accepted {
        processor_ref: tracker_ref(&answer.body, tracking),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tracking<'a>(carrier: &'a str) -> Tracking<'a> {
        Tracking {
            order_ref: "5O190127TN364715T",
            capture_ref: "2GG279541U471931P",
            carrier,
            tracking_number: "1Z999AA10123456784",
            key: "shp_x",
        }
    }

    #[test]
    fn common_carriers_map_to_paypals_values() {
        assert_eq!(carrier("UPS"), ("UPS", None));
        assert_eq!(carrier("ups"), ("UPS", None));
        assert_eq!(carrier(" FedEx "), ("FEDEX", None));
        assert_eq!(carrier("Fed-Ex"), ("FEDEX", None));
        assert_eq!(carrier("U.S. Postal Service"), ("USPS", None));
        assert_eq!(carrier("DHL Express"), ("DHL", None));
        assert_eq!(carrier("Royal Mail"), ("ROYAL_MAIL", None));
        assert_eq!(carrier("Canada Post"), ("CA_CANADA_POST", None));
        assert_eq!(carrier("Japan Post"), ("JPN_JAPAN_POST", None));
    }

    #[test]
    fn other_carriers_are_named_as_other() {
        assert_eq!(carrier("Bob's Bikes"), ("OTHER", Some("Bob's Bikes")));
        let long = "x".repeat(80);
        assert_eq!(carrier(&long).1.map(str::len), Some(64));
        assert_eq!(carrier("  "), ("OTHER", None));
    }

    #[test]
    fn the_request_carries_what_the_document_requires() {
        assert_eq!(
            serde_json::to_value(track_request(&tracking("usps"))).unwrap(),
            json!({
                "capture_id": "2GG279541U471931P",
                "transaction_id": "2GG279541U471931P",
                "tracking_number": "1Z999AA10123456784",
                "status": "SHIPPED",
                "carrier": "USPS",
                "notify_payer": false,
            })
        );
        let other = serde_json::to_value(track_request(&tracking("Local Van"))).unwrap();
        assert_eq!(other["carrier"], "OTHER");
        assert_eq!(other["carrier_name_other"], "Local Van");
    }

    #[test]
    fn the_tracker_id_comes_from_the_answer() {
        let t = tracking("UPS");
        let body = json!({"id": "O", "purchase_units": [{"shipping": {"trackers": [
            {"id": "OLD-1"}, {"id": "2GG279541U471931P-1Z999AA10123456784"}
        ]}}]});
        assert_eq!(
            tracker_ref(&body.to_string(), &t),
            "2GG279541U471931P-1Z999AA10123456784"
        );
        assert_eq!(
            tracker_ref("{}", &t),
            "2GG279541U471931P-1Z999AA10123456784"
        );
    }
}
