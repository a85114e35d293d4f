//! PDF input, through poppler's `pdftotext -layout`.
//!
//! Why poppler rather than a Rust PDF crate: the reports are WPS- and Word-generated PDFs with
//! CID fonts, and what matters is that every cell comes out in visual order on its row;
//! `pdftotext -layout` places text by its position on the page, which settles cell order, and
//! its output is exactly the `-layout` shape the text readers already handle (the renderings
//! in tests/fixtures were made by it). poppler-utils is a Debian package (`.ci/run` installs
//! it). A PDF without a text layer (a scan) yields no text, and says so.

use std::path::Path;
use std::process::Command;

/// Extracts the text of a PDF, laid out as on the page.
pub fn to_text(path: &Path) -> Result<String, String> {
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .map_err(|e| {
            format!("reading a PDF needs poppler's pdftotext (Debian: apt-get install poppler-utils): {e}")
        })?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        return Err(format!("pdftotext could not read this PDF: {}", why.trim()));
    }
    let text = String::from_utf8(out.stdout)
        .map_err(|_| "pdftotext returned text that is not UTF-8".to_string())?;
    if text.chars().filter(|c| !c.is_whitespace()).count() < 20 {
        return Err(
            "this PDF has no text layer (a scanned image?): nothing to read; OCR it first".into(),
        );
    }
    Ok(text)
}
