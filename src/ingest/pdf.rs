//! PDF input, through poppler's `pdftotext -layout`.
//!
//! Why poppler rather than a Rust PDF crate: the reports are WPS- and Word-generated PDFs with
//! CID fonts, and what matters is that every cell comes out in visual order on its row;
//! `pdftotext -layout` places text by its position on the page, which settles cell order, and
//! its output is exactly the `-layout` shape the text readers already handle (the renderings
//! in tests/fixtures were made by it). poppler-utils is a Debian package (`.ci/run` installs
//! it). A PDF without a text layer (a scan) yields no text, and says so.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long pdftotext may take on one PDF (the reports take well under a second).
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// Extracts the text of a PDF, laid out as on the page.
pub fn to_text(path: &Path) -> Result<String, String> {
    let mut child = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("reading a PDF needs poppler's pdftotext (Debian: apt-get install poppler-utils): {e}")
        })?;
    // A hostile PDF must not hang the ingest: give pdftotext a deadline.
    // Both pipes are drained while it runs: a damaged PDF can make pdftotext write more
    // errors than a pipe holds, and it would block on a full stderr until the deadline.
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(out) = stdout.as_mut() {
            let _ = std::io::Read::read_to_end(out, &mut buf);
        }
        buf
    });
    let mut stderr = child.stderr.take();
    let errors = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(err) = stderr.as_mut() {
            let _ = std::io::Read::read_to_end(err, &mut buf);
        }
        buf
    });
    let deadline = Instant::now() + TIME_LIMIT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "pdftotext did not finish within {} s: the PDF is left out",
                    TIME_LIMIT.as_secs()
                ));
            }
            Err(e) => return Err(format!("pdftotext: {e}")),
        }
    };
    let bytes = reader.join().unwrap_or_default();
    let errors = errors.join().unwrap_or_default();
    if !status.success() {
        let why = String::from_utf8_lossy(&errors);
        // The first lines say why; a damaged PDF may write thousands.
        let why: Vec<&str> = why.lines().take(3).collect();
        return Err(format!(
            "pdftotext could not read this PDF: {}",
            why.join("; ").chars().take(300).collect::<String>()
        ));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| "pdftotext returned text that is not UTF-8".to_string())?;
    if text.chars().filter(|c| !c.is_whitespace()).count() < 20 {
        return Err(
            "this PDF has no text layer (a scanned image?): nothing to read; OCR it first".into(),
        );
    }
    Ok(text)
}
