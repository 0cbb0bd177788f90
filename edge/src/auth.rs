//! Who is calling, checked against the route's credential before any Durable Object wakes:
//! keys and ids carry MACs, so a forged key is 401 and a forged or foreign id 404 here. The
//! ledger then checks a seller key against its live keys and the row's rights.

use crate::crypto::{ct_eq, key_hash, Keys};
use crate::http::Fail;
use crate::ids::{client_secret_valid, Mode, ObjectId, SecretKey, SellerRef};
use crate::inbound::bearer;
use chatpay_core::routes::{Credential, PathId, Route};
use worker::Request;

/// An authenticated call.
pub struct Caller {
    /// Whose ledger the call goes to; `None` for the platform's own calls (`POST /v1/sellers`).
    pub seller: Option<SellerRef>,
    /// The seller key's hash, for the ledger to find among its live keys.
    pub key_hash: Option<String>,
    /// The platform's admin key authenticated the call.
    pub admin: bool,
    /// The hash of whatever bearer token was sent: the owner of its idempotency records.
    pub token_hash: String,
    /// The path's object: a request id, a claim or key id, or a conversation id.
    pub object: Option<String>,
}

/// Checks the call's credential and path id against the route's row.
pub fn authenticate(
    route: &Route,
    req: &Request,
    param: Option<&str>,
    keys: &Keys,
) -> Result<Caller, Fail> {
    let param = param.unwrap_or_default();
    match route.credential {
        Credential::None => Ok(Caller {
            seller: None,
            key_hash: None,
            admin: false,
            token_hash: String::new(),
            object: None,
        }),
        Credential::Admin => {
            let token = admin(req, keys)?;
            let seller = match route.id {
                PathId::Minted("sel_") => Some(
                    SellerRef::from_id(param, keys)
                        .ok_or_else(|| Fail::missing(route.id.noun()))?,
                ),
                _ => None,
            };
            Ok(Caller {
                seller,
                key_hash: None,
                admin: true,
                token_hash: key_hash(&token),
                object: None,
            })
        }
        Credential::ClientSecret => {
            let request = minted(route, param, keys)?;
            let token = bearer(req)?;
            if !client_secret_valid(&request.id, &token, keys) {
                return Err(Fail::bad_credentials());
            }
            Ok(Caller {
                seller: Some(request.seller),
                key_hash: None,
                admin: false,
                token_hash: key_hash(&token),
                object: Some(request.id),
            })
        }
        // The platform decides claims; a seller its own, in test mode (checked by the ledger,
        // which knows the seller's mode after checking the key).
        Credential::AdminOrTestSeller => {
            let object = minted(route, param, keys)?;
            let token = bearer(req)?;
            if ct_eq(token.as_bytes(), keys.admin_key.as_bytes()) {
                return Ok(Caller {
                    seller: Some(object.seller),
                    key_hash: None,
                    admin: true,
                    token_hash: key_hash(&token),
                    object: Some(object.id),
                });
            }
            let caller = seller_key(req, keys)?;
            owned(route, caller, object)
        }
        Credential::TestSeller | Credential::Seller | Credential::SellerOrAgent => {
            let caller = seller_key(req, keys)?;
            if route.credential == Credential::TestSeller
                && caller.seller.is_some_and(|s| s.mode() != Mode::Test)
            {
                return Err(Fail::missing("test helper"));
            }
            match route.id {
                PathId::None => Ok(caller),
                PathId::Conversation => Ok(Caller {
                    object: Some(param.to_owned()),
                    ..caller
                }),
                PathId::Minted(_) => {
                    let object = minted(route, param, keys)?;
                    owned(route, caller, object)
                }
            }
        }
        // The ticket's MAC routes it; its ledger spends it (single use, 60 seconds).
        Credential::LiveTicket => {
            let url = req.url().map_err(|_| Fail::internal("url"))?;
            let ticket = url
                .query_pairs()
                .find(|(k, _)| k == "ticket")
                .map(|(_, v)| v.into_owned())
                .ok_or_else(|| {
                    Fail::invalid("parameter_missing", "Missing required parameter `ticket`.")
                        .param("ticket")
                })?;
            let ticket = ObjectId::parse("lt_", &ticket, keys).ok_or_else(ticket_invalid)?;
            Ok(Caller {
                seller: Some(ticket.seller),
                key_hash: None,
                admin: false,
                token_hash: key_hash(&ticket.id),
                object: None,
            })
        }
        Credential::PayPalSignature => {
            Err(Fail::internal("PayPal's webhooks have their own handler."))
        }
    }
}

/// A live ticket that is forged, used, expired or unknown.
pub fn ticket_invalid() -> Fail {
    Fail::new(
        401,
        "authentication_error",
        "ticket_invalid",
        "This live ticket has been used, has expired or does not exist. Create a new one with POST /v1/live/tickets.",
    )
}

/// The platform's admin key, compared in constant time.
pub fn admin(req: &Request, keys: &Keys) -> Result<String, Fail> {
    let token = bearer(req)?;
    if ct_eq(token.as_bytes(), keys.admin_key.as_bytes()) {
        Ok(token)
    } else {
        Err(Fail::bad_credentials())
    }
}

/// A seller's secret or restricted key: MAC-checked here, checked against the ledger's live
/// keys there.
fn seller_key(req: &Request, keys: &Keys) -> Result<Caller, Fail> {
    let token = bearer(req)?;
    let key = SecretKey::parse(&token, keys).ok_or_else(Fail::bad_credentials)?;
    let hash = key_hash(&token);
    Ok(Caller {
        seller: Some(key.seller),
        key_hash: Some(hash.clone()),
        admin: false,
        token_hash: hash,
        object: None,
    })
}

fn minted(route: &Route, param: &str, keys: &Keys) -> Result<ObjectId, Fail> {
    let PathId::Minted(prefix) = route.id else {
        return Err(Fail::internal("a route without a minted id"));
    };
    ObjectId::parse(prefix, param, keys).ok_or_else(|| Fail::missing(route.id.noun()))
}

/// The path's object must belong to the caller's seller: another seller's id is the same
/// 404 as an unknown one, so ids cannot be probed.
fn owned(route: &Route, caller: Caller, object: ObjectId) -> Result<Caller, Fail> {
    if caller.seller != Some(object.seller) {
        return Err(Fail::missing(route.id.noun()));
    }
    Ok(Caller {
        object: Some(object.id),
        ..caller
    })
}
