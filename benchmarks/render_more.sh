#!/bin/bash
# Render every page of PAGES_DIR into OUT/<form>/<slug>.<ext> with more tools people save articles
# with than ../shared/tools/textforms/render.sh runs: the forms score_textforms is scored on by
#   python -m benchmarks.score_textforms --forms OUT --every
#
# usage: benchmarks/render_more.sh PAGES_DIR OUT [TOOLS_DIR]
#
# Nothing is installed into the repository. The tools live in TOOLS_DIR (default
# ${TMPDIR:-/tmp}/quotes-moretools), installed once by hand:
#   apt-get install -y lynx w3m pandoc links elinks chromium        # Debian packages
#   python3 -m venv TOOLS_DIR/venv
#   TOOLS_DIR/venv/bin/pip install newspaper4k readability-lxml html2text markdownify \
#       html2markdown lxml_html_clean
#   (cd TOOLS_DIR && npm init -y && npm install defuddle jsdom turndown @mozilla/readability \
#       puppeteer-core)                                              # puppeteer-core: no browser download
# A form whose tool is missing is skipped with a line on stderr.
#
# The forms, and who writes them:
#   newspaper-txt        newspaper4k's Article.text (news scrapers, archivers)
#   readability-h2t-md   readability-lxml's summary, then html2text (Python "reader mode to Markdown")
#   markdownify-md       markdownify of the whole page (Python scripts, LLM pipelines)
#   html2markdown-md     the html2markdown package
#   defuddle-md          defuddle with markdown: true (Obsidian Web Clipper's engine)
#   markdownload-md      Readability + Turndown with MarkDownload-like settings: setext headings, `*`
#                        bullets and emphasis, `__` strong, referenced links
#   pandoc-plain-txt     pandoc -t plain;  pandoc-commonmark-md, pandoc-strict-md: -t commonmark,
#                        -t markdown_strict
#   links-txt, elinks-txt  links -dump, elinks -dump
#   lynx60-txt, w3m60-txt  lynx -width=60, w3m -cols 60
#   chromium-txt         Chromium's document.body.innerText (what copying a page out of the browser gives),
#                        scripts and network requests blocked: a saved page offline
set -u
pages=$1; out=$2; tools=${3:-${TMPDIR:-/tmp}/quotes-moretools}
export LANG=C.UTF-8 LC_ALL=C.UTF-8
py=$tools/venv/bin/python
export NODE_PATH=$tools/node_modules
have() { command -v "$1" >/dev/null 2>&1 || [ -x "$1" ]; }
skip() { echo "render_more: $1 not installed: $2 skipped" >&2; }

scripts=$(mktemp -d); trap 'rm -rf "$scripts"' EXIT
# clip.mjs MODE PAGE: defuddle | markdownload, Markdown on stdout
cat >"$scripts/clip.mjs" <<'EOF'
import fs from "node:fs";
import { createRequire } from "node:module";
const require = createRequire(process.env.NODE_PATH + "/");
const { JSDOM, VirtualConsole } = require("jsdom");
const [mode, path] = process.argv.slice(2);
const html = fs.readFileSync(path, "utf8");
const dom = new JSDOM(html, { url: "https://example.org/article", virtualConsole: new VirtualConsole() });
if (mode === "defuddle") {
  const { Defuddle } = await import(process.env.NODE_PATH + "/defuddle/dist/node.js");
  const result = await Defuddle(dom, "https://example.org/article", { markdown: true });
  process.stdout.write((result.title ? "# " + result.title + "\n\n" : "") + (result.content || "") + "\n");
} else {
  const { Readability } = require("@mozilla/readability");
  const TurndownService = require("turndown");
  const art = new Readability(dom.window.document, { keepClasses: true }).parse();
  const service = new TurndownService({
    headingStyle: "setext", hr: "* * *", bulletListMarker: "*", codeBlockStyle: "fenced",
    emDelimiter: "*", strongDelimiter: "__", linkStyle: "referenced", linkReferenceStyle: "full",
  });
  process.stdout.write((art && art.title ? art.title + "\n" + "=".repeat(8) + "\n\n" : "") +
    service.turndown(art && art.content ? art.content : html) + "\n");
}
EOF

# innertext.cjs PAGES OUT: every page into OUT/<slug>.txt, one browser for all
cat >"$scripts/innertext.cjs" <<'EOF'
const fs = require("node:fs");
const path = require("node:path");
const puppeteer = require(process.env.NODE_PATH + "/puppeteer-core");
const [pages, out] = process.argv.slice(2);
(async () => {
  const browser = await puppeteer.launch({
    executablePath: "/usr/bin/chromium", headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  for (const name of fs.readdirSync(pages).filter((n) => /\.html?$/.test(n)).sort()) {
    const page = await browser.newPage();
    await page.setJavaScriptEnabled(false);
    await page.setRequestInterception(true);
    page.on("request", (r) => (r.url().startsWith("file:") ? r.continue() : r.abort()));
    try {
      await page.goto("file://" + path.resolve(pages, name), { waitUntil: "domcontentloaded", timeout: 30000 });
      const text = await page.evaluate(() => (document.body ? document.body.innerText : ""));
      fs.writeFileSync(path.join(out, name.replace(/\.html?$/, ".txt")), text + "\n");
    } catch (error) {
      console.error(`chromium: ${name}: ${error.message}`);
    }
    await page.close();
  }
  await browser.close();
})();
EOF

# render.py FORM PAGE: the Python tools
cat >"$scripts/render.py" <<'EOF'
import sys
form, path = sys.argv[1:]
html = open(path, encoding="utf-8", errors="replace").read()
if form == "newspaper-txt":
    from newspaper import Article
    article = Article("https://example.org/article")
    article.download(input_html=html)
    article.parse()
    print((article.title + "\n\n" if article.title else "") + article.text)
elif form == "readability-h2t-md":
    import html2text
    from readability import Document
    document = Document(html)
    print("# " + document.short_title() + "\n\n" + html2text.html2text(document.summary()))
elif form == "markdownify-md":
    from markdownify import markdownify
    print(markdownify(html, heading_style="ATX", strip=["script", "style"]))
elif form == "html2markdown-md":
    import html2markdown
    print(html2markdown.convert(html))
EOF

forms=(newspaper-txt readability-h2t-md markdownify-md html2markdown-md defuddle-md markdownload-md
       pandoc-plain-txt pandoc-commonmark-md pandoc-strict-md links-txt elinks-txt lynx60-txt w3m60-txt chromium-txt)
for form in "${forms[@]}"; do mkdir -p "$out/$form"; done
have "$py" || skip "$py" "newspaper, readability, markdownify, html2markdown"
[ -d "$NODE_PATH/defuddle" ] || skip "$NODE_PATH/defuddle" "defuddle-md"
for p in "$pages"/*.html "$pages"/*.htm; do
  [ -f "$p" ] || continue
  s=$(basename "${p%.*}")
  if have "$py"; then
    for form in newspaper-txt readability-h2t-md markdownify-md html2markdown-md; do
      ext=${form##*-}
      timeout 120 "$py" "$scripts/render.py" "$form" "$p" >"$out/$form/$s.$ext" 2>/dev/null || echo "render_more: $form: $s failed" >&2
    done
  fi
  [ -d "$NODE_PATH/defuddle" ] && { timeout 120 node "$scripts/clip.mjs" defuddle "$p" >"$out/defuddle-md/$s.md" 2>/dev/null || echo "render_more: defuddle: $s failed" >&2; }
  [ -d "$NODE_PATH/turndown" ] && { timeout 120 node "$scripts/clip.mjs" markdownload "$p" >"$out/markdownload-md/$s.md" 2>/dev/null || echo "render_more: markdownload: $s failed" >&2; }
  if have pandoc; then
    timeout 120 pandoc -f html -t plain "$p" -o "$out/pandoc-plain-txt/$s.txt" 2>/dev/null
    timeout 120 pandoc -f html -t commonmark "$p" -o "$out/pandoc-commonmark-md/$s.md" 2>/dev/null
    timeout 120 pandoc -f html -t markdown_strict "$p" -o "$out/pandoc-strict-md/$s.md" 2>/dev/null
  fi
  have links && timeout 120 links -dump -codepage utf-8 "$p" >"$out/links-txt/$s.txt" 2>/dev/null
  have elinks && timeout 120 elinks -dump -dump-charset utf-8 -no-references -no-numbering "$p" >"$out/elinks-txt/$s.txt" 2>/dev/null
  have lynx && timeout 120 lynx -dump -nolist -display_charset=utf-8 -width=60 "$p" >"$out/lynx60-txt/$s.txt" 2>/dev/null
  have w3m && timeout 120 w3m -dump -O UTF-8 -T text/html -cols 60 "$p" >"$out/w3m60-txt/$s.txt" 2>/dev/null
done
if [ -d "$NODE_PATH/puppeteer-core" ] && have chromium; then node "$scripts/innertext.cjs" "$pages" "$out/chromium-txt"; else skip "chromium/puppeteer-core" "chromium-txt"; fi
