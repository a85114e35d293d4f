//! Bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, and GB18030/GBK, which many
//! government sites still serve. Binary files and PDFs get a clear refusal instead of a
//! decoding that would read garbage as figures.

/// Decodes a document's bytes; the error says what the bytes are instead.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    if bytes.is_empty() {
        return Err("the file is empty".into());
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest).map(str::to_owned).map_err(|e| {
            format!(
                "invalid UTF-8 after a UTF-8 BOM at byte {}",
                e.valid_up_to() + 3
            )
        });
    }
    for (bom, enc) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE),
    ] {
        if bytes.starts_with(bom) {
            let (text, _, had_errors) = enc.decode(bytes);
            if had_errors {
                return Err(format!("invalid {} text", enc.name()));
            }
            return Ok(text.into_owned());
        }
    }
    if bytes.contains(&0) {
        return Err("binary data (NUL bytes), not a text report".into());
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_owned());
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err("neither UTF-8, UTF-16 nor GB18030/GBK text".into());
    }
    Ok(text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom_and_gbk_decode_alike() {
        let s = "四、行政复议数量\t件\t453\r\n";
        assert_eq!(decode(s.as_bytes()).as_deref(), Ok(s));
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(s.as_bytes());
        assert_eq!(decode(&bom).as_deref(), Ok(s));
        let (gbk, _, _) = encoding_rs::GBK.encode(s);
        assert_eq!(decode(&gbk).as_deref(), Ok(s));
        let mut utf16 = vec![0xFF, 0xFE];
        for u in s.encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&utf16).as_deref(), Ok(s));
    }

    #[test]
    fn empty_and_binary_are_refused() {
        assert!(decode(b"").is_err());
        assert!(decode(b"\x00\x01\x02garbage")
            .unwrap_err()
            .contains("binary"));
    }
}
