package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dlprelay/dlprelay/relay/quarantine"
	"github.com/dlprelay/dlprelay/relay/users"
)

//go:embed templates/*.html static/*
var assets embed.FS

// pageNames are the templates; each is templates/<name>.html run inside
// templates/layout.html.
var pageNames = []string{"login", "list", "detail", "bulk", "users", "audit", "error"}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{"join": strings.Join}
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

func staticFS() fs.FS {
	sub, err := fs.Sub(assets, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// page is what every template gets: the language, the user, the CSRF
// token for forms, and the page's own data.
type page struct {
	L     *catalog
	Title string
	User  users.User
	CSRF  string
	url   *url.URL
	now   time.Time
	Data  any
}

// LangURL is the current page in language lang.
func (p *page) LangURL(lang string) string {
	q := p.url.Query()
	q.Set("lang", lang)
	return p.url.Path + "?" + q.Encode()
}

// Can reports whether the user has role r (for showing what the server
// would allow anyway).
func (p *page) Can(r string) bool { return p.User.Role.Allows(users.Role(r)) }

// Time shows t in the server's zone.
func (p *page) Time(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// Age shows how long ago t was.
func (p *page) Age(t time.Time) string { return p.L.age(p.now.Sub(t)) }

// Size shows a byte count.
func (p *page) Size(n int64) string {
	switch {
	case n < 1<<10:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1<<20:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

// Recipients shows the first two and how many more.
func (p *page) Recipients(rs []string) string {
	if len(rs) <= 2 {
		return strings.Join(rs, ", ")
	}
	return strings.Join(rs[:2], ", ") + fmt.Sprintf(" +%d", len(rs)-2)
}

// render runs page name with data inside the layout.
func (c *Console) render(cl *call, status int, name string, data any) {
	p := &page{L: cl.L, Title: cl.L.T("title." + name), User: cl.user, url: cl.r.URL, now: c.cfg.Now(), Data: data}
	if cl.sess != nil {
		p.CSRF = cl.sess.csrf
	}
	var b bytes.Buffer
	if err := c.pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		c.logger.Error("console: template failed", "page", name, "err", err)
		http.Error(cl.w, "internal error", http.StatusInternalServerError)
		return
	}
	cl.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	cl.w.WriteHeader(status)
	cl.w.Write(b.Bytes())
}

type loginView struct {
	Token, Next, Error string
}

func (c *Console) loginPage(cl *call) error {
	if cl.sess != nil {
		http.Redirect(cl.w, cl.r, "/console/", http.StatusSeeOther)
		return nil
	}
	c.renderLogin(cl, http.StatusOK, "")
	return nil
}

// renderLogin shows the login form with a fresh token for its double-submit
// cookie.
func (c *Console) renderLogin(cl *call, status int, msg string) {
	tok := newToken()
	ck := c.cookie(cl.r, loginCookie, tok, "/console/login", 3600)
	http.SetCookie(cl.w, ck)
	next := cl.r.FormValue("next")
	c.render(cl, status, "login", &loginView{Token: tok, Next: safeNext(next), Error: msg})
}

func (c *Console) loginForm(cl *call) error {
	ck, err := cl.r.Cookie(loginCookie)
	if err != nil || !tokenEqual(cl.r.PostFormValue(csrfField), ck.Value) {
		return errCSRF
	}
	_, _, err = c.login(cl, cl.r.PostFormValue("user"), cl.r.PostFormValue("password"))
	if err != nil {
		status, code := classify(err)
		if status == http.StatusInternalServerError {
			return err
		}
		c.renderLogin(cl, status, cl.L.T("err."+code))
		return nil
	}
	http.SetCookie(cl.w, c.cookie(cl.r, loginCookie, "", "/console/login", -1))
	http.Redirect(cl.w, cl.r, safeNext(cl.r.PostFormValue("next")), http.StatusSeeOther)
	return nil
}

// safeNext keeps a redirect target inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console/") || strings.ContainsAny(next, "\\\r\n") || strings.HasPrefix(next, "/console/login") {
		return "/console/"
	}
	return next
}

func (c *Console) logoutForm(cl *call) error {
	if err := c.logout(cl); err != nil {
		return err
	}
	http.Redirect(cl.w, cl.r, "/console/login", http.StatusSeeOther)
	return nil
}

// listView is the list page's data.
type listView struct {
	Entries  []quarantine.Entry
	Total    int
	F        quarantine.Filter
	Q        url.Values
	Statuses []quarantine.Status
	Status   string // the status filter, if one
}

// SortURL sorts by key, reversing the order if the list is sorted by key
// already.
func (v *listView) SortURL(key string) string {
	q := cloneValues(v.Q)
	q.Del("offset")
	q.Set("sort", key)
	q.Del("desc")
	if v.F.Sort != key || !v.F.Desc {
		q.Set("desc", "1")
	}
	return "/console/?" + q.Encode()
}

// PageURL is the page starting at offset; "" when there is none.
func (v *listView) PageURL(offset int) string {
	if offset < 0 || offset >= v.Total || offset == v.F.Offset {
		return ""
	}
	q := cloneValues(v.Q)
	q.Set("offset", strconv.Itoa(offset))
	return "/console/?" + q.Encode()
}

func (v *listView) Prev() string { return v.PageURL(max(v.F.Offset-v.F.Limit, 0)) }
func (v *listView) Next() string { return v.PageURL(v.F.Offset + v.F.Limit) }
func (v *listView) First() int {
	if len(v.Entries) == 0 {
		return 0
	}
	return v.F.Offset + 1
}
func (v *listView) Last() int { return v.F.Offset + len(v.Entries) }

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		if k != "lang" {
			out[k] = slices.Clone(vs)
		}
	}
	return out
}

func (c *Console) listPage(cl *call) error {
	q := cl.r.URL.Query()
	f, err := listFilter(cl)
	if err != nil {
		return err
	}
	pg, err := c.q.List(cl.ctx(), f)
	if err != nil {
		return err
	}
	withholdSubjects(pg.Entries)
	v := &listView{Entries: pg.Entries, Total: pg.Total, F: f, Q: q, Statuses: statuses, Status: q.Get("status")}
	c.render(cl, http.StatusOK, "list", v)
	return nil
}

// detailPageView is the detail page's data.
type detailPageView struct {
	*detailView
	Done     string // the action just done, for its confirmation
	FourEyes bool
}

// fourEyes reports whether a release asked for now waits for a second
// officer, for the page's hint (the store decides; unreadable: yes).
func (c *Console) fourEyes(cl *call) bool {
	pol, err := c.q.ReleasePolicy(cl.ctx())
	return err != nil || pol.FourEyes
}

func (c *Console) detailPage(cl *call) error {
	v, err := c.detail(cl, cl.r.PathValue("id"), false, "")
	if err != nil {
		return err
	}
	done := cl.r.URL.Query().Get("done")
	if !slices.Contains(actions, done) {
		done = ""
	}
	c.render(cl, http.StatusOK, "detail", &detailPageView{detailView: v, Done: done, FourEyes: c.fourEyes(cl)})
	return nil
}

// actionForm serves POST /console/q/{id}/<name>.
func (c *Console) actionForm(name string) func(*call) error {
	return func(cl *call) error {
		form, err := postForm(cl)
		if err != nil {
			return err
		}
		id := cl.r.PathValue("id")
		switch name {
		case "reveal":
			v, err := c.detail(cl, id, true, form.Get("justification"))
			if err != nil {
				return err
			}
			c.render(cl, http.StatusOK, "detail", &detailPageView{detailView: v, FourEyes: c.fourEyes(cl)})
			return nil
		case "download":
			return c.download(cl, id, form.Get("justification"))
		}
		in := actionInput{
			Justification: form.Get("justification"),
			Recipients:    form["recipient"],
			RequestID:     form.Get("request_id"),
			Text:          form.Get("text"),
			Until:         form.Get("until"),
			Hold:          formBool(form.Get("hold")),
			Delivered:     formBool(form.Get("delivered")),
		}
		if _, err := c.act(cl, name, id, in); err != nil {
			return err
		}
		http.Redirect(cl.w, cl.r, "/console/q/"+url.PathEscape(id)+"?done="+name, http.StatusSeeOther)
		return nil
	}
}

// postForm parses the posted form (bounded by maxBody).
func postForm(cl *call) (url.Values, error) {
	if err := cl.r.ParseForm(); err != nil {
		return nil, badRequest("bad_input")
	}
	return cl.r.PostForm, nil
}

// formBool reads "1"/"0" (and on/off, true/false); anything else is nil.
func formBool(s string) *bool {
	var b bool
	switch s {
	case "1", "on", "true", "yes":
		b = true
	case "0", "off", "false", "no":
	default:
		return nil
	}
	return &b
}

type bulkView struct {
	Action  string
	Results []bulkResult
}

func (c *Console) bulkForm(cl *call) error {
	form, err := postForm(cl)
	if err != nil {
		return err
	}
	res, err := c.bulk(cl, form.Get("action"), form["id"], form.Get("justification"))
	if err != nil {
		return err
	}
	c.render(cl, http.StatusOK, "bulk", &bulkView{Action: form.Get("action"), Results: res})
	return nil
}

// withholdSubjects blanks the Subjects that may hold a customer value
// (Entry.SubjectWithheld): a list shows no customer value unmasked. The
// detail page shows such a Subject masked, and revealed on request. It
// blanks the Subject of a deleted or expired entry too, which the store
// drops with the message.
func withholdSubjects(es []quarantine.Entry) {
	for i := range es {
		if es[i].SubjectWithheld || es[i].Status.Purged() {
			es[i].Subject = ""
		}
	}
}
