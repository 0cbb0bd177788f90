//! A seller's own account, as the API takes it: business profile, payout account, limits,
//! agents and restricted keys. Bodies are parsed into domain values here, so the edge writes
//! only what is already valid.

pub mod agents;
pub mod keys;
pub mod limits;
pub mod profile;
pub mod seller;

pub use crate::origins::parse_origins;
pub use crate::paging::Page;
pub use agents::NewAgent;
pub use keys::{KeyScope, NewApiKey, RollKey, MAX_ROLL_OVERLAP_HOURS};
pub use limits::{parse_limits, CurrencyLimits};
pub use profile::{BusinessType, MerchantCategory, SellerProfile, PROFILE_FIELDS};
pub use seller::SellerUpdate;

#[cfg(test)]
mod tests;
