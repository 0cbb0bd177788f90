//! A stopped edge's Durable Object storage, opened as the SQLite files they are. Tests use it
//! to put a ledger into an older schema's format (as a database from before a migration
//! would be) and to read what a migration left, never to stand in for the edge: every
//! change made here is read back by the real Worker after a restart.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};

use crate::edge::Edge;
use crate::scan::files_under;

/// The SQLite file of `seller_id`'s ledger under `edge`'s persist dir. The edge must be
/// stopped: workerd holds the files while it runs.
pub fn ledger_file(edge: &Edge, seller_id: &str) -> PathBuf {
    let candidates: Vec<PathBuf> = files_under(&edge.persist_dir())
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sqlite"))
        .collect();
    for path in &candidates {
        let Ok(db) = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY) else {
            continue;
        };
        let found: Result<String, _> = db.query_row("SELECT id FROM seller", [], |row| row.get(0));
        if found.as_deref() == Ok(seller_id) {
            return path.clone();
        }
    }
    panic!("no ledger file for {seller_id} among {candidates:#?}");
}

/// Opens a ledger file for writing (the edge stopped).
pub fn open(path: &Path) -> Connection {
    Connection::open(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()))
}

/// Writes everything back into the main database file and closes it, so the edge reads it
/// as one file when it starts.
pub fn close(db: Connection) {
    db.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .ok();
    db.close()
        .map_err(|(_, e)| e)
        .expect("close the ledger file");
}

/// SHA-256 of a credential in hex: how a ledger names a key or client secret.
pub fn credential_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
