//! The leak scan: every file under the persist dir and the captured wrangler log, searched
//! byte by byte for every card and bank account number the tests typed. Neither may reach
//! disk or a log in the clear; only the vault's AES-GCM ciphertext may.

use std::fs;
use std::path::{Path, PathBuf};

use chatpay_core::card::format_number_input;

use crate::banks::bank_account_needles;
use crate::cards::all_test_pans;
use crate::edge::Edge;

#[derive(Debug)]
pub struct Hit {
    pub file: PathBuf,
    pub needle: String,
    pub offset: usize,
}

/// Every regular file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() => out.push(path),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

/// Where any of `needles` occurs in any of `files` (first occurrence per file and needle).
pub fn find_bytes(files: &[PathBuf], needles: &[String]) -> Vec<Hit> {
    let mut hits = Vec::new();
    for file in files {
        // A file may vanish between listing and reading (SQLite journals); skip it then.
        let Ok(bytes) = fs::read(file) else {
            continue;
        };
        for needle in needles {
            let n = needle.as_bytes();
            if let Some(offset) = bytes.windows(n.len()).position(|w| w == n) {
                hits.push(Hit {
                    file: file.clone(),
                    needle: needle.clone(),
                    offset,
                });
            }
        }
    }
    hits
}

/// Each test PAN as typed, as grouped for display ("4242 4242 4242 4242"), grouped with
/// dashes and dots, and in full-width digits ("４２４２..."), the forms tests type into text.
pub fn card_number_needles() -> Vec<String> {
    all_test_pans()
        .into_iter()
        .flat_map(|pan| {
            let grouped = format_number_input(pan);
            let full_width: String = pan
                .chars()
                .map(|c| char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap_or(c))
                .collect();
            [
                pan.to_owned(),
                grouped.replace(' ', "-"),
                grouped.replace(' ', "."),
                grouped,
                full_width,
            ]
        })
        .collect()
}

/// Scans the persist dir and the log for every test PAN. `marker` is a string the caller
/// stored (a request description): finding it proves the scan reads the Durable Objects'
/// storage in a form where a PAN would show.
#[track_caller]
pub fn assert_no_card_numbers(edge: &Edge, marker: &str) {
    let state_files = files_under(&edge.persist_dir());
    let sqlite = state_files
        .iter()
        .filter(|p| p.to_string_lossy().contains(".sqlite"))
        .count();
    assert!(
        sqlite > 0,
        "no SQLite files under {}: {state_files:#?}",
        edge.persist_dir().display()
    );
    let control = find_bytes(&state_files, &[marker.to_owned()]);
    assert!(
        !control.is_empty(),
        "the marker {marker:?} is in no file under {} ({} files), so the scan would not see a PAN either",
        edge.persist_dir().display(),
        state_files.len()
    );
    // The log is wrangler's real output: it lists the requests the tests made.
    let log = edge.log_path();
    let log_text = String::from_utf8_lossy(&fs::read(&log).unwrap_or_default()).into_owned();
    assert!(
        log_text.contains("Ready on") && log_text.contains("/v1/payment_requests"),
        "{} does not hold wrangler's request log:\n{}",
        log.display(),
        edge.log_tail(20)
    );

    let mut needles = card_number_needles();
    needles.extend(bank_account_needles());
    let mut files = state_files;
    files.push(log);
    let hits = find_bytes(&files, &needles);
    assert!(
        hits.is_empty(),
        "card or bank account numbers found in the clear ({} files scanned):\n{}",
        files.len(),
        hits.iter()
            .map(|h| format!(
                "  {} at byte {} of {}",
                h.needle,
                h.offset,
                h.file.display()
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_needles_in_binary_files() {
        let dir = std::env::temp_dir().join(format!("chatpay-scan-{}", std::process::id()));
        fs::create_dir_all(dir.join("a/b")).unwrap();
        let mut bytes = vec![0u8, 0xff, 0xfe];
        bytes.extend_from_slice(b"4242424242424242");
        bytes.push(0);
        fs::write(dir.join("a/b/x.sqlite-wal"), &bytes).unwrap();
        fs::write(dir.join("a/clean"), b"4242 4242").unwrap();
        let files = files_under(&dir);
        assert_eq!(files.len(), 2);
        let hits = find_bytes(&files, &card_number_needles());
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].offset, 3);
        assert!(card_number_needles().contains(&"4242 4242 4242 4242".to_owned()));
    }
}
