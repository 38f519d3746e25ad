//! An incremental Server-Sent Events parser (the `text/event-stream` rules
//! of the HTML standard, minus reconnection): feed it chunks as they arrive,
//! split anywhere, and collect whole events.
//!
//! Lines end with CRLF, LF or CR (a CRLF split between two chunks counts
//! once). `:` lines are comments (keep-alives). `field: value` sets a field
//! (one space after the colon is dropped); a line without a colon is a field
//! with an empty value. `data` lines accumulate, joined with `\n`. A blank
//! line dispatches the event, if it had any `data` line; `event` defaults
//! to `message`. Unknown fields and `retry` are ignored; an incomplete event
//! at the end of the stream is dropped.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event` field, `message` when absent.
    pub event: String,
    /// The `data` lines joined with `\n`.
    pub data: String,
    /// The last `id` field seen on the stream, if any.
    pub id: Option<String>,
}

/// Parser state between chunks.
#[derive(Debug, Default)]
pub struct SseParser {
    /// The current incomplete line.
    line: Vec<u8>,
    /// The previous chunk ended with CR: skip a leading LF.
    skip_lf: bool,
    /// A line has been processed (the BOM check is done).
    started: bool,
    event: String,
    data: String,
    has_data: bool,
    last_id: Option<String>,
}

const BOM: &[u8] = "\u{feff}".as_bytes();

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses `chunk`, pushing every event it completes onto `out`.
    pub fn feed(&mut self, mut chunk: &[u8], out: &mut Vec<SseEvent>) {
        while let Some((&first, rest)) = chunk.split_first() {
            if self.skip_lf {
                self.skip_lf = false;
                if first == b'\n' {
                    chunk = rest;
                    continue;
                }
            }
            match chunk.iter().position(|&b| b == b'\n' || b == b'\r') {
                None => {
                    self.line.extend_from_slice(chunk);
                    return;
                }
                Some(end) => {
                    self.skip_lf = chunk[end] == b'\r';
                    if self.line.is_empty() {
                        self.process_line(&chunk[..end], out);
                    } else {
                        self.line.extend_from_slice(&chunk[..end]);
                        let line = std::mem::take(&mut self.line);
                        self.process_line(&line, out);
                        // Keep the allocation for the next long line.
                        self.line = line;
                        self.line.clear();
                    }
                    chunk = &chunk[end + 1..];
                }
            }
        }
    }

    fn process_line(&mut self, mut line: &[u8], out: &mut Vec<SseEvent>) {
        if !self.started {
            self.started = true;
            line = line.strip_prefix(BOM).unwrap_or(line);
        }
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line[0] == b':' {
            return;
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        let value = String::from_utf8_lossy(value);
        match name {
            b"event" => {
                self.event.clear();
                self.event.push_str(&value);
            }
            b"data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(&value);
                self.has_data = true;
            }
            // An id with NUL is ignored, as the standard says.
            b"id" if !value.contains('\0') => self.last_id = Some(value.into_owned()),
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        if self.has_data {
            let event = if self.event.is_empty() { "message".to_owned() } else { std::mem::take(&mut self.event) };
            out.push(SseEvent { event, data: std::mem::take(&mut self.data), id: self.last_id.clone() });
        }
        self.event.clear();
        self.data.clear();
        self.has_data = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_chunks(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        for chunk in chunks {
            parser.feed(chunk, &mut out);
        }
        out
    }

    fn ev(event: &str, data: &str) -> SseEvent {
        SseEvent { event: event.to_owned(), data: data.to_owned(), id: None }
    }

    #[test]
    fn named_events_and_default_name() {
        let events = parse_chunks(&[b"event: status\ndata: {\"a\":1}\n\ndata: plain\n\n"]);
        assert_eq!(events, vec![ev("status", "{\"a\":1}"), ev("message", "plain")]);
    }

    #[test]
    fn multi_line_data_is_joined_with_newlines() {
        let events = parse_chunks(&[b"data: first\ndata:second\ndata:  third\ndata\n\n"]);
        assert_eq!(events, vec![ev("message", "first\nsecond\n third\n")]);
    }

    #[test]
    fn comments_and_dataless_events_are_skipped() {
        let events = parse_chunks(&[b": keep-alive\n\n:\n\nevent: status\n\nretry: 10\nfoo: bar\ndata: x\n\n"]);
        // The `event: status` block has no data: nothing is dispatched and the
        // name does not leak into the next event.
        assert_eq!(events, vec![ev("message", "x")]);
    }

    #[test]
    fn crlf_cr_and_lf_line_endings() {
        let events = parse_chunks(&[b"event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\rdata: 3\n\n"]);
        assert_eq!(events, vec![ev("a", "1"), ev("b", "2"), ev("message", "3")]);
    }

    #[test]
    fn events_split_across_chunks_anywhere() {
        let stream: &[u8] = b"\xEF\xBB\xBFevent: status\r\ndata: {\"status\":\"QUEUED\"}\r\n\r\n: ping\r\n\r\nevent: status\r\ndata: {\"status\":\"COMPLETED\"}\r\n\r\n";
        let whole = parse_chunks(&[stream]);
        assert_eq!(whole, vec![ev("status", "{\"status\":\"QUEUED\"}"), ev("status", "{\"status\":\"COMPLETED\"}")]);
        // Every split point, including between CR and LF, gives the same.
        for split in 0..=stream.len() {
            let (a, b) = stream.split_at(split);
            assert_eq!(parse_chunks(&[a, b]), whole, "split at {split}");
        }
        // Byte by byte.
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(parse_chunks(&bytes), whole);
    }

    #[test]
    fn incomplete_event_at_end_is_not_dispatched() {
        assert_eq!(parse_chunks(&[b"data: half\n"]), vec![]);
        assert_eq!(parse_chunks(&[b"data: half"]), vec![]);
    }

    #[test]
    fn ids_are_remembered() {
        let events = parse_chunks(&[b"id: 7\ndata: a\n\ndata: b\n\n"]);
        assert_eq!(events[0].id.as_deref(), Some("7"));
        assert_eq!(events[1].id.as_deref(), Some("7"));
    }

    #[test]
    fn empty_data_line_dispatches_empty_data() {
        assert_eq!(parse_chunks(&[b"data:\n\n"]), vec![ev("message", "")]);
    }
}
