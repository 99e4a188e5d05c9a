//! Markdown to HTML for rule documentation, with raw HTML shown as text and only safe links.

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Is a link target safe to keep (relative, fragment, http(s) or mailto)?
pub fn safe_url(url: &str) -> bool {
    let u = url.trim().to_ascii_lowercase();
    match u.find(':') {
        None => true,
        Some(colon) => {
            // A colon after a `/`, `?` or `#` is not a scheme separator.
            if u[..colon].contains(['/', '?', '#']) {
                return true;
            }
            matches!(&u[..colon], "http" | "https" | "mailto")
        }
    }
}

/// Renders Markdown to HTML. Raw HTML becomes text, unsafe links lose their target, images become
/// their alt text, and headings are shifted down by `shift` levels (a rule's `##` under an `h3`).
pub fn to_html(md: &str, shift: usize) -> String {
    let parser = Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    let events = parser.map(|ev| match ev {
        Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: shift_level(level, shift),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => {
            Event::End(TagEnd::Heading(shift_level(level, shift)))
        }
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let dest_url = if safe_url(&dest_url) {
                dest_url
            } else {
                CowStr::from("#")
            };
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            })
        }
        // Code blocks scroll sideways: focusable, so that a keyboard can scroll them. (Raw HTML
        // of the input became text above, so this markup is the only raw HTML.)
        Event::Start(Tag::CodeBlock(_)) => Event::Html(CowStr::from("<pre tabindex=\"0\"><code>")),
        Event::End(TagEnd::CodeBlock) => Event::Html(CowStr::from("</code></pre>\n")),
        Event::Start(Tag::Image { .. }) => Event::Start(Tag::Emphasis),
        Event::End(TagEnd::Image) => Event::End(TagEnd::Emphasis),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

fn shift_level(level: HeadingLevel, shift: usize) -> HeadingLevel {
    let n = (level as usize + shift).min(6);
    HeadingLevel::try_from(n).unwrap_or(HeadingLevel::H6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_and_script_links_are_neutralised() {
        let out = to_html(
            "<script>alert(1)</script>\n\n[x](javascript:alert(1)) ![i](http://x/y.png)",
            0,
        );
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("javascript:"), "{out}");
        assert!(!out.contains("<img"), "{out}");
    }

    #[test]
    fn headings_shift() {
        assert!(to_html("## What it finds", 2).contains("<h4>"));
    }
}
