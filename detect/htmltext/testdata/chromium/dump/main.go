// Command dump writes, for each HTML file named on the command line, the
// text nodes, comments and processing instructions of the DOM Chromium
// builds from it (template contents and srcdoc documents included), in
// document order, as JSON: [["text", data], ["comment", data], ...].
// See ../../README.md for how the dumps are remade.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

const walk = `(() => {
  const out = [];
  const visit = (n) => {
    for (let c = n.firstChild; c; c = c.nextSibling) {
      switch (c.nodeType) {
      case 3: case 4: out.push(["text", c.data]); break;
      case 7: out.push(["pi", c.target + " " + c.data]); break;
      case 8: out.push(["comment", c.data]); break;
      case 1:
        if (c.localName === "template" && c.content) visit(c.content);
        visit(c);
        if (c.localName === "iframe" && c.hasAttribute("srcdoc")) {
          try { visit(c.contentDocument); } catch (e) { out.push(["error", String(e)]); }
        }
      }
    }
  };
  visit(document);
  return JSON.stringify(out);
})()`

func main() {
	outDir := flag.String("o", ".", "directory for the NAME.json files")
	flag.Parse()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.Flag("allow-file-access-from-files", true),
		chromedp.NoSandbox, chromedp.DisableGPU)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// The first Run starts the browser, which lives as long as ctx: it
	// must not be a per-file context.
	if _, err := chromedp.Run(ctx, chromedp.Navigate("about:blank")); err != nil {
		log.Fatal(err)
	}
	for _, f := range flag.Args() {
		abs, err := filepath.Abs(f)
		if err != nil {
			log.Fatal(err)
		}
		tctx, tcancel := context.WithTimeout(ctx, 30*time.Second)
		_, err = chromedp.Run(tctx, chromedp.Navigate("file://"+abs))
		if err == nil {
			_, err = chromedp.Run(tctx, chromedp.Sleep(300*time.Millisecond))
		}
		var res string
		if err == nil {
			res, err = chromedp.Run(tctx, chromedp.Evaluate[string](walk))
		}
		tcancel()
		if err != nil {
			log.Fatalf("%s: %v", f, err)
		}
		var nodes [][2]string
		if err := json.Unmarshal([]byte(res), &nodes); err != nil {
			log.Fatalf("%s: %v", f, err)
		}
		// One node a line, so a diff shows which node changed.
		var b strings.Builder
		b.WriteString("[\n")
		for i, n := range nodes {
			var line strings.Builder
			enc := json.NewEncoder(&line)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(n); err != nil {
				log.Fatal(err)
			}
			b.WriteString(strings.TrimSuffix(line.String(), "\n"))
			if i < len(nodes)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString("]\n")
		name := strings.TrimSuffix(filepath.Base(f), ".html") + ".json"
		if err := os.WriteFile(filepath.Join(*outDir, name), []byte(b.String()), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
