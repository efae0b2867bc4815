package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/clipperhouse/displaywidth"
)

// The terminal report is laid out here for a width in columns: text wraps at
// spaces (and after hyphens and slashes, where URLs break best), a word
// longer than a line is cut where it must be, and a table whose columns do
// not fit moves some of them, cell by cell, into a detail line under each
// row. Every line this file writes is at most the width; text reaches it
// inert (see inert.go), and colour is added only after a line was measured.

// DefaultWidth is the terminal report's width when the output is not a
// terminal and COLUMNS is not set.
const DefaultWidth = 100

// minWidth is the narrowest layout: below it, indents and labels would take
// the whole line.
const minWidth = 40

// textWidth is how many terminal columns s takes (wide characters take two).
func textWidth(s string) int { return displaywidth.String(s) }

// wrap breaks text into lines of at most width columns. A line break in
// text starts a new line; other lines break after a space, a hyphen or a
// slash; a word longer than width is cut between characters.
func wrap(text string, width int) []string {
	width = max(width, 2)
	var out []string
	for _, para := range strings.Split(text, "\n") {
		out = append(out, wrapParagraph(para, width)...)
	}
	return out
}

func wrapParagraph(text string, width int) []string {
	var lines []string
	line, lineWidth := "", 0
	for _, word := range breakable(text) {
		w := textWidth(word)
		// A word's trailing space may hang past the line's end.
		trimmed := strings.TrimRight(word, " ")
		tw := textWidth(trimmed)
		switch {
		case lineWidth+tw <= width:
			line += word
			lineWidth += w
		case tw <= width:
			lines = append(lines, strings.TrimRight(line, " "))
			line, lineWidth = word, w
		default:
			if line != "" && width-lineWidth >= 4 {
				// Fill the rest of the line before cutting.
				head, rest := cut(trimmed, width-lineWidth)
				lines = append(lines, line+head)
				trimmed = rest
			} else if line != "" {
				lines = append(lines, strings.TrimRight(line, " "))
			}
			for textWidth(trimmed) > width {
				head, rest := cut(trimmed, width)
				lines = append(lines, head)
				trimmed = rest
			}
			line = trimmed + word[len(strings.TrimRight(word, " ")):]
			lineWidth = textWidth(line)
		}
	}
	return append(lines, strings.TrimRight(line, " "))
}

// breakable splits text into words, each keeping what follows it up to the
// next break: its spaces, or the hyphen or slash it ends with.
func breakable(text string) []string {
	var words []string
	start := 0
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case ' ':
			j := i
			for j < len(text) && text[j] == ' ' {
				j++
			}
			words = append(words, text[start:j])
			start, i = j, j-1
		case '-', '/':
			// "https://" stays whole: no break inside "//".
			// Nor before punctuation ("Path=/," stays whole).
			if i+1 < len(text) && i > start && isWordByte(text[i+1]) && !(text[i] == '/' && text[i-1] == '/') {
				words = append(words, text[start:i+1])
				start = i + 1
			}
		}
	}
	if start < len(text) {
		words = append(words, text[start:])
	}
	return words
}

// isWordByte reports whether b is an ASCII letter or digit, or starts a
// multi-byte character.
func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}

// cut splits s after at most width columns, between grapheme clusters (at
// least one, so that the loop cutting a word ends).
func cut(s string, width int) (head, rest string) {
	g := displaywidth.StringGraphemes(s)
	n, used := 0, 0
	for g.Next() {
		w := g.Width()
		if used+w > width && n > 0 {
			break
		}
		used += w
		n += len(g.Value())
	}
	return s[:n], s[n:]
}

// para writes text wrapped to width, the first line after first and the
// others after rest (an indent of the same width, usually).
func para(w io.Writer, width int, first, rest, text string) {
	paraShown(w, width, first, first, rest, text)
}

// paraShown is para whose first prefix is written as shown (coloured) but
// measured as first.
func paraShown(w io.Writer, width int, first, shown, rest, text string) {
	avail := width - max(textWidth(first), textWidth(rest))
	for i, line := range wrap(text, avail) {
		prefix := rest
		if i == 0 {
			prefix = shown
		}
		fmt.Fprintln(w, strings.TrimRight(prefix+line, " "))
	}
}

// column is a column of a grid.
type column struct {
	header string
	// moves is the order in which the column leaves a table too wide for
	// the width (1 first): its cells then join the row's detail line as
	// "header cell". Zero: the column always stays.
	moves int
	// label replaces the header in the detail line (lowercase, short);
	// "-" writes the cell alone.
	label string
	// marked columns hold words of ours (HIGH, PASS, VULNERABLE) that are
	// coloured on a terminal.
	marked bool
}

// gridRow is a row of a grid: its cells, and lines written under it.
type gridRow struct {
	cells []string
	// details are lines under the row, each wrapped on its own, after the
	// line that holds the moved columns' cells.
	details []string
}

// grid is a table for the terminal: columns separated by two spaces, a
// header and a rule, rows whose cells wrap within their column. Cells and
// details are page text: add sets them inert.
type grid struct {
	indent string
	cols   []column
	rows   []gridRow
}

// columnGap separates columns.
const columnGap = "  "

// add appends a row of cells (one per column) and detail lines, all made
// inert.
func (g *grid) add(cells []string, details ...string) {
	r := gridRow{cells: make([]string, len(cells))}
	for i, c := range cells {
		r.cells[i] = inertCell(c)
	}
	for _, d := range details {
		if d != "" {
			r.details = append(r.details, inertCell(d))
		}
	}
	g.rows = append(g.rows, r)
}

// render writes the grid within width: it moves columns into detail lines
// in their order while the table is too wide, then narrows the widest
// columns (their cells wrap), and when even that cannot fit, writes each
// row as a record: its first cell, then "header: cell" lines.
func (g *grid) render(w io.Writer, width int, st style) {
	if len(g.rows) == 0 {
		return
	}
	l, ok := g.fit(width)
	if !ok {
		g.renderRecords(w, width, st)
		return
	}
	g.writeTable(w, width, st, l)
}

// tableLayout is how a grid's table fits a width: which columns show, the
// width of each, and the columns moved out of the table to a detail line
// under each row, in column order.
type tableLayout struct {
	shown  []bool
	widths []int
	moved  []int
}

// fit lays the grid out within width: columns empty in every row are left
// out, columns that may move do so in their order while the table is too
// wide, then the widest column narrows a column at a time, keeping at
// least minColumn (or its natural width when less). ok is false when even
// that is too wide.
func (g *grid) fit(width int) (l tableLayout, ok bool) {
	natural := g.naturalWidths()
	l.shown = make([]bool, len(g.cols))
	for i := range l.shown {
		for _, r := range g.rows {
			l.shown[i] = l.shown[i] || r.cells[i] != ""
		}
	}
	total := func(widths []int) int {
		sum, n := textWidth(g.indent), 0
		for i, s := range l.shown {
			if s {
				sum += widths[i]
				n++
			}
		}
		return sum + max(n-1, 0)*len(columnGap)
	}
	order := make([]int, 0, len(g.cols))
	for i, c := range g.cols {
		if c.moves > 0 {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return g.cols[a].moves - g.cols[b].moves })
	for _, i := range order {
		if total(natural) <= width {
			break
		}
		if l.shown[i] {
			l.shown[i] = false
			l.moved = append(l.moved, i)
		}
	}
	slices.Sort(l.moved)
	l.widths = slices.Clone(natural)
	const minColumn = 6
	for total(l.widths) > width {
		widest := -1
		for i, s := range l.shown {
			if s && l.widths[i] > minColumn && (widest < 0 || l.widths[i] > l.widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			return l, false
		}
		l.widths[widest]--
	}
	return l, true
}

// naturalWidths is each column's widest line, its header included.
func (g *grid) naturalWidths() []int {
	natural := make([]int, len(g.cols))
	for i, c := range g.cols {
		natural[i] = textWidth(c.header)
		for _, r := range g.rows {
			for _, line := range strings.Split(r.cells[i], "\n") {
				natural[i] = max(natural[i], textWidth(line))
			}
		}
	}
	return natural
}

// writeTable writes the header, the rule and the rows as l lays them out,
// each row followed by its moved cells and its details.
func (g *grid) writeTable(w io.Writer, width int, st style, l tableLayout) {
	var header, rule []string
	var cols []int
	for i, s := range l.shown {
		if s {
			cols = append(cols, i)
			header = append(header, g.cols[i].header)
			rule = append(rule, strings.Repeat("─", l.widths[i]))
		}
	}
	g.writeRowLines(w, st, l, cols, header, func(int) bool { return false }, true)
	fmt.Fprintln(w, g.indent+strings.Join(rule, columnGap))
	detailIndent := g.indent + "  "
	for _, r := range g.rows {
		cells := make([]string, len(cols))
		for k, i := range cols {
			cells[k] = r.cells[i]
		}
		g.writeRowLines(w, st, l, cols, cells, func(k int) bool { return g.cols[cols[k]].marked }, false)
		var parts []string
		for _, i := range l.moved {
			if r.cells[i] != "" {
				parts = append(parts, g.cols[i].detailLabel()+strings.ReplaceAll(r.cells[i], "\n", "; "))
			}
		}
		if len(parts) > 0 {
			para(w, width, detailIndent, detailIndent+"  ", strings.Join(parts, " · "))
		}
		for _, d := range r.details {
			para(w, width, detailIndent, detailIndent+"  ", d)
		}
	}
}

// writeRowLines writes one row of cells (the shown columns cols, in
// order), each wrapped to its column's width, as many lines as its
// tallest cell; bold for the header, marked cells in the mark style.
func (g *grid) writeRowLines(w io.Writer, st style, l tableLayout, cols []int, cells []string, marked func(int) bool, bold bool) {
	wrapped := make([][]string, len(cols))
	height := 0
	for k, i := range cols {
		wrapped[k] = wrap(cells[k], l.widths[i])
		height = max(height, len(wrapped[k]))
	}
	for line := range height {
		var b strings.Builder
		b.WriteString(g.indent)
		pad := 0
		for k, i := range cols {
			text := ""
			if line < len(wrapped[k]) {
				text = wrapped[k][line]
			}
			if text == "" {
				pad += l.widths[i] + len(columnGap)
				continue
			}
			b.WriteString(strings.Repeat(" ", pad))
			switch {
			case bold:
				b.WriteString(st.bold(text))
			case marked(k):
				b.WriteString(st.mark(text))
			default:
				b.WriteString(text)
			}
			pad = l.widths[i] - textWidth(text) + len(columnGap)
		}
		fmt.Fprintln(w, b.String())
	}
}

// renderRecords writes each row as its first cell on a line of its own and
// every other cell as a "header: cell" line under it: the layout of last
// resort, for widths no table fits.
func (g *grid) renderRecords(w io.Writer, width int, st style) {
	detailIndent := g.indent + "  "
	for _, r := range g.rows {
		para(w, width, g.indent, g.indent+"  ", strings.ReplaceAll(r.cells[0], "\n", "; "))
		for i, c := range g.cols[1:] {
			cell := r.cells[i+1]
			if cell == "" {
				continue
			}
			para(w, width, detailIndent+c.header+": ", detailIndent+"  ", strings.ReplaceAll(cell, "\n", "; "))
		}
		for _, d := range r.details {
			para(w, width, detailIndent, detailIndent+"  ", d)
		}
	}
}

// detailLabel starts the column's cell in a detail line: its label or
// lowercase header and a space, or nothing for the label "-" (a cell that
// says what it is, such as "from /login").
func (c column) detailLabel() string {
	switch c.label {
	case "-":
		return ""
	case "":
		return strings.ToLower(c.header) + " "
	}
	return c.label + " "
}

// style colours words of ours on a terminal; its zero value writes plain
// text. It never receives page text alone: marks are applied to cells of
// marked columns, whose words are ours.
type style struct{ color bool }

// ANSI SGR sequences.
const (
	sgrReset  = "\x1b[0m"
	sgrBold   = "\x1b[1m"
	sgrRed    = "\x1b[1;31m"
	sgrYellow = "\x1b[33m"
	sgrGreen  = "\x1b[32m"
	sgrCyan   = "\x1b[36m"
	sgrDim    = "\x1b[2m"
)

// marks are the words coloured on a terminal, and their colours.
var marks = map[string]string{
	"HIGH": sgrRed, "MEDIUM": sgrYellow, "LOW": sgrCyan, "INFO": sgrDim,
	"ERROR": sgrRed, "FAIL": sgrRed, "VULNERABLE": sgrRed,
	"OK": sgrGreen, "PASS": sgrGreen, "PROTECTED": sgrGreen, "FIXED": sgrGreen,
}

// mark colours text when it is one of marks.
func (s style) mark(text string) string {
	if sgr, ok := marks[strings.TrimSpace(text)]; ok && s.color {
		return sgr + text + sgrReset
	}
	return text
}

func (s style) bold(text string) string {
	if s.color {
		return sgrBold + text + sgrReset
	}
	return text
}
