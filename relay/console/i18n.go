package console

import (
	"fmt"
	"net/http"
	"time"

	"golang.org/x/text/language"
)

// catalog is the UI strings of one language. Message content (subjects,
// names, notes) is never translated: it is shown as is.
type catalog struct {
	Lang string
	msgs map[string]string
}

// T returns the string for key, in English if this language lacks it, or
// the key itself.
func (l *catalog) T(key string) string {
	if s, ok := l.msgs[key]; ok {
		return s
	}
	if s, ok := english.msgs[key]; ok {
		return s
	}
	return key
}

// age says how long ago, roughly: "3時間前" / "3 h ago".
func (l *catalog) age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return l.T("age.now")
	case d < time.Hour:
		return fmt.Sprintf(l.T("age.min"), int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf(l.T("age.hour"), int(d/time.Hour))
	}
	return fmt.Sprintf(l.T("age.day"), int(d/(24*time.Hour)))
}

var (
	japanese = &catalog{Lang: "ja", msgs: jaMsgs}
	english  = &catalog{Lang: "en", msgs: enMsgs}
	langs    = map[string]*catalog{"ja": japanese, "en": english}
	matcher  = language.NewMatcher([]language.Tag{language.Japanese, language.English})
)

// language picks the catalog: the lang query parameter (which also sets
// the lang cookie), else the lang cookie, else Accept-Language, else
// Japanese.
func (c *Console) language(w http.ResponseWriter, r *http.Request) *catalog {
	if l, ok := langs[r.URL.Query().Get("lang")]; ok {
		ck := c.cookie(r, langCookie, l.Lang, "/", 365*24*3600)
		ck.SameSite = http.SameSiteLaxMode
		http.SetCookie(w, ck)
		return l
	}
	if ck, err := r.Cookie(langCookie); err == nil {
		if l, ok := langs[ck.Value]; ok {
			return l
		}
	}
	if al := r.Header.Get("Accept-Language"); al != "" {
		if tags, _, err := language.ParseAcceptLanguage(al); err == nil && len(tags) > 0 {
			_, i, conf := matcher.Match(tags...)
			if conf != language.No && i == 1 {
				return english
			}
		}
	}
	return japanese
}

var jaMsgs = map[string]string{
	"title.login": "ログイン", "title.list": "隔離メール", "title.detail": "隔離メールの詳細",
	"title.bulk": "一括操作の結果", "title.users": "ユーザー管理", "title.audit": "監査ログ", "title.error": "エラー",

	"nav.quarantine": "隔離メール", "nav.audit": "監査ログ", "nav.users": "ユーザー", "nav.logout": "ログアウト", "nav.back": "← 一覧へ戻る",
	"login.title": "コンプライアンス コンソール", "login.user": "ユーザー名", "login.password": "パスワード", "login.submit": "ログイン",

	"age.now": "たった今", "age.min": "%d分前", "age.hour": "%d時間前", "age.day": "%d日前",

	"list.title": "隔離メール一覧", "list.empty": "該当するものはありません", "list.prev": "← 前へ", "list.next": "次へ →",
	"list.range": "%d–%d 件 / 全 %d 件", "list.selectall": "すべて選択",
	"f.sender": "送信者", "f.recipient": "宛先", "f.from": "開始日", "f.to": "終了日", "f.rule": "ルール", "f.verdict": "判定",
	"f.status": "状態", "f.any": "すべて", "f.min": "最少件数", "f.q": "キーワード", "f.apply": "絞り込む", "f.reset": "クリア",
	"f.justification": "理由（必須）",
	"col.received":    "受信日時", "col.age": "経過", "col.sender": "送信者", "col.recipients": "宛先", "col.subject": "件名",
	"col.rules": "ルール", "col.verdict": "判定", "col.records": "顧客件数", "col.size": "サイズ", "col.status": "状態",

	"status.held": "保留中", "status.pending_approval": "承認待ち", "status.approved": "承認済み（送信待ち）",
	"status.sending": "送信中", "status.released": "送信済み", "status.release_failed": "送信失敗",
	"status.release_uncertain": "送信結果不明", "status.deleted": "削除済み", "status.expired": "期限切れ",
	"role.viewer": "閲覧者", "role.officer": "担当者", "role.admin": "管理者",
	"field.id": "顧客ID", "field.name": "氏名", "field.kana": "フリガナ", "field.email": "メールアドレス",
	"field.phone": "電話番号", "field.address": "住所", "field.company": "会社名",

	"bulk.title": "選択したメールを一括操作", "bulk.confirm": "選択したすべてのメールに実行しますか？",
	"bulk.result": "一括操作の結果", "bulk.outcome": "結果", "bulk.ok": "完了",
	"act.release": "送信を許可", "act.approve": "承認", "rel.waiting_other": "別の担当者の承認待ち", "act.delete": "削除", "act.hold": "リーガルホールド",
	"act.reveal": "マスクを外して表示", "act.download": ".eml をダウンロード", "act.note": "メモを追加",
	"act.extend": "保存期限を延長", "act.resolve": "送信結果を確定", "act.confirm": "実行しますか？",
	"hold.on": "ホールドする", "hold.off": "ホールドを解除", "extend.until": "新しい期限", "note.text": "メモ",
	"resolve.delivered": "届いていた（送信済みにする）", "resolve.notdelivered": "届いていない（保留に戻す）",

	"detail.nosubject": "（件名なし）", "detail.subject_removed": "（件名はメール本体とともに削除済み）", "list.subject_withheld": "（件名に顧客情報の可能性 — 開いて確認）", "detail.gone": "メール本体は削除済みまたは期限切れです。記録のみ残っています。",
	"detail.hold": "ホールド中", "detail.expires": "保存期限", "detail.noexpiry": "なし（リーガルホールド中）",
	"detail.client": "接続元", "detail.reasons": "理由", "detail.findings": "検出された顧客情報",
	"detail.masked":        "値はマスクされています。表示するには理由を入力してください（監査ログに記録されます）。",
	"detail.revealed":      "マスクを外した値を表示しています。この操作は監査ログに記録されました。",
	"detail.findingserror": "検出結果を読み込めませんでした。", "detail.record": "顧客ID", "detail.field": "項目",
	"detail.part": "パート", "detail.value": "該当箇所", "detail.unavailable": "表示できません",
	"detail.extractor_changed": "このメールは以前の（または異なる）バージョンの抽出処理で検査されました。保存された位置にある文字列が当時と異なる可能性があるため、該当箇所の値は表示できません（マスク表示・マスク解除とも）。",
	"detail.withheld":          "「（非表示）」の件名・ヘッダーの値・ファイル名は表示していません。顧客情報を含む可能性がありますが、保存された検査結果ではその位置を特定できず、マスクできません。担当者がマスクを外して表示すると確認できます。",
	"detail.withheld_subject":  "（件名は非表示）", "detail.withheld_value": "（非表示）",
	"detail.more": "ほか %d 件", "detail.nofindings": "顧客情報は検出されていません",
	"detail.headers": "ヘッダー", "detail.headercount": "%d 項目", "detail.incomplete": "一部のみ",
	"detail.parts": "パート構成", "detail.type": "種類", "detail.filename": "ファイル名", "detail.textbytes": "テキスト量",
	"detail.releases": "送信許可の履歴", "detail.notes": "メモ", "detail.nonotes": "メモはありません",
	"detail.actions": "操作", "detail.foureyes": "別の担当者の承認が必要",
	"detail.uncertain": "送信中に中断したか、メッセージを送り終えた後に上流サーバーから応答がなかったため、届いたかどうか不明です。上流サーバーのログ（リリースIDで検索）を確認してください。",
	"rel.pending":      "承認待ち", "rel.approved": "承認済み", "rel.sending": "送信中", "rel.uncertain": "結果不明",
	"rel.released": "送信済み", "rel.failed": "失敗", "rel.closed": "取り消し", "rel.all": "全員",
	"rel.next": "次回", "rel.none": "送信許可の依頼はありません", "rel.choose": "宛先を選択（未選択なら全員）",
	"relcol.requested": "依頼者", "relcol.approved": "承認者", "relcol.attempts": "試行回数", "relcol.lasterror": "最後のエラー",

	"done.release": "送信を許可しました。", "done.approve": "承認しました。", "done.delete": "削除しました。",
	"done.note": "メモを追加しました。", "done.hold": "リーガルホールドを変更しました。", "done.extend": "保存期限を延長しました。",
	"done.resolve": "送信結果を確定しました。", "done.reveal": "表示しました。", "done.download": "ダウンロードしました。",
	"done.user.add": "ユーザーを追加しました。", "done.user.role": "ロールを変更しました。", "done.user.disable": "無効にしました。",
	"done.user.enable": "有効にしました。", "done.user.unlock": "ロックを解除しました。", "done.user.password": "パスワードを再設定しました。",

	"users.title": "ユーザー管理", "users.role": "ロール", "users.created": "作成日時", "users.active": "有効",
	"users.disabled": "無効", "users.locked": "ロック中", "users.change": "変更", "users.setrole": "ロールを変更",
	"users.disable": "無効にする", "users.enable": "有効にする", "users.unlock": "ロック解除",
	"users.newpassword": "新しいパスワード（12文字以上）", "users.resetpassword": "パスワード再設定", "users.add": "ユーザーを追加",

	"audit.title": "監査ログ", "audit.actor": "実行者", "audit.action": "操作", "audit.target": "対象", "audit.time": "日時",
	"audit.detail": "詳細", "audit.remote": "接続元", "audit.export": "エクスポート", "audit.total": "全 %d 件",
	"action.login": "ログイン", "action.login_failed": "ログイン失敗", "action.logout": "ログアウト", "action.view": "閲覧",
	"action.reveal": "マスク解除", "action.download": "ダウンロード", "action.release_request": "送信許可の依頼",
	"action.release_approve": "送信許可の承認", "action.release_outcome": "送信結果", "action.delete": "削除",
	"action.note": "メモ", "action.hold": "リーガルホールド", "action.extend": "期限延長", "action.user_change": "ユーザー変更",
	"action.config_reload": "設定の再読み込み", "action.export": "エクスポート",
	"action.customers_accept": "顧客リストの承認",

	"err.unauthenticated": "ログインしてください。", "err.csrf": "フォームの有効期限が切れました。ページを読み込み直してください。",
	"err.forbidden": "この操作を行う権限がありません。", "err.not_found": "見つかりません。",
	"err.self_approval": "送信許可を依頼した本人は承認できません。別の担当者が承認してください。",
	"err.on_hold":       "リーガルホールド中のため実行できません。",
	"err.conflict":      "現在の状態ではこの操作はできません（他の担当者が先に操作した可能性があります）。",
	"err.user_exists":   "そのユーザー名は既に使われています。", "err.locked": "ログインの失敗が続いたため、アカウントはロックされています。",
	"err.bad_login": "ユーザー名またはパスワードが正しくありません。", "err.internal": "内部エラーが発生しました。",
	"err.content_type": "Content-Type は application/json にしてください。", "err.bad_json": "リクエストの形式が正しくありません。",
	"err.bad_filter": "絞り込み条件が正しくありません。", "err.bad_date": "日付が正しくありません。",
	"err.past_date": "期限は未来の日付にしてください。", "err.justification": "理由を入力してください（2000バイトまで）。",
	"err.bad_input": "入力が正しくありません。", "err.note": "メモを入力してください（4000バイトまで）。",
	"err.request_id": "承認する依頼を指定してください。", "err.bulk_ids": "メールを1件以上（500件まで）選択してください。",
	"err.self_change": "自分自身を無効にしたり、管理者から外したりはできません。", "err.password": "パスワードは12文字以上にしてください。",
	"err.user_name": "ユーザー名は英数字と . - _ @ で64文字までです。", "err.role": "ロールが正しくありません。",
	"err.format": "形式は csv か json を指定してください。",
}

var enMsgs = map[string]string{
	"title.login": "Log in", "title.list": "Quarantine", "title.detail": "Quarantined message",
	"title.bulk": "Bulk action results", "title.users": "Users", "title.audit": "Audit log", "title.error": "Error",

	"nav.quarantine": "Quarantine", "nav.audit": "Audit log", "nav.users": "Users", "nav.logout": "Log out", "nav.back": "← Back to the list",
	"login.title": "Compliance console", "login.user": "User name", "login.password": "Password", "login.submit": "Log in",

	"age.now": "just now", "age.min": "%d min ago", "age.hour": "%d h ago", "age.day": "%d d ago",

	"list.title": "Quarantined messages", "list.empty": "Nothing matches", "list.prev": "← Previous", "list.next": "Next →",
	"list.range": "%d–%d of %d", "list.selectall": "Select all",
	"f.sender": "Sender", "f.recipient": "Recipient", "f.from": "From", "f.to": "To", "f.rule": "Rule", "f.verdict": "Verdict",
	"f.status": "Status", "f.any": "Any", "f.min": "Min. records", "f.q": "Text", "f.apply": "Filter", "f.reset": "Clear",
	"f.justification": "Justification (required)",
	"col.received":    "Received", "col.age": "Age", "col.sender": "Sender", "col.recipients": "Recipients", "col.subject": "Subject",
	"col.rules": "Rules", "col.verdict": "Verdict", "col.records": "Records", "col.size": "Size", "col.status": "Status",

	"status.held": "Held", "status.pending_approval": "Pending approval", "status.approved": "Approved (waiting to send)",
	"status.sending": "Sending", "status.released": "Released", "status.release_failed": "Release failed",
	"status.release_uncertain": "Release uncertain", "status.deleted": "Deleted", "status.expired": "Expired",
	"role.viewer": "Viewer", "role.officer": "Officer", "role.admin": "Admin",
	"field.id": "Customer ID", "field.name": "Name", "field.kana": "Kana", "field.email": "Email",
	"field.phone": "Phone", "field.address": "Address", "field.company": "Company",

	"bulk.title": "Act on the selected messages", "bulk.confirm": "Apply to every selected message?",
	"bulk.result": "Bulk action results", "bulk.outcome": "Outcome", "bulk.ok": "Done",
	"act.release": "Release", "act.approve": "Approve", "rel.waiting_other": "Waiting for another officer", "act.delete": "Delete", "act.hold": "Legal hold",
	"act.reveal": "Reveal values", "act.download": "Download .eml", "act.note": "Add note",
	"act.extend": "Extend retention", "act.resolve": "Resolve release", "act.confirm": "Are you sure?",
	"hold.on": "Put on hold", "hold.off": "Take off hold", "extend.until": "Keep until", "note.text": "Note",
	"resolve.delivered": "It was delivered (mark released)", "resolve.notdelivered": "It was not delivered (back to held)",

	"detail.nosubject": "(no subject)", "detail.subject_removed": "(subject removed with the message)", "list.subject_withheld": "(subject may name a customer — open the entry)", "detail.gone": "The message itself was deleted or has expired; only its record is kept.",
	"detail.hold": "On hold", "detail.expires": "Expires", "detail.noexpiry": "Never (legal hold)",
	"detail.client": "Client", "detail.reasons": "Reasons", "detail.findings": "Customer data found",
	"detail.masked":        "Values are masked. To see them, give a justification (it is recorded in the audit log).",
	"detail.revealed":      "Unmasked values are shown. This was recorded in the audit log.",
	"detail.findingserror": "The findings could not be read.", "detail.record": "Customer ID", "detail.field": "Field",
	"detail.part": "Part", "detail.value": "Match", "detail.unavailable": "Not available",
	"detail.extractor_changed": "This message was scanned by an older (or otherwise different) version of the extractor than the one running now: the text at the stored offsets may differ from what matched, so the values cannot be shown, masked or revealed.",
	"detail.withheld":          "The subject, header values and file names shown as (withheld) are left out: they may hold a customer value that the stored findings cannot place, so it cannot be masked. A reveal (officers) shows them.",
	"detail.withheld_subject":  "(subject withheld)", "detail.withheld_value": "(withheld)",
	"detail.more": "%d more", "detail.nofindings": "No customer data was found",
	"detail.headers": "Headers", "detail.headercount": "%d fields", "detail.incomplete": "incomplete",
	"detail.parts": "MIME parts", "detail.type": "Type", "detail.filename": "File name", "detail.textbytes": "Text",
	"detail.releases": "Release requests", "detail.notes": "Notes", "detail.nonotes": "No notes",
	"detail.actions": "Actions", "detail.foureyes": "needs a second officer's approval",
	"detail.uncertain": "Sending was interrupted, or the upstream did not answer once it had the whole message, so it is not known whether the message was delivered. Check the upstream's logs for the release id.",
	"rel.pending":      "Pending", "rel.approved": "Approved", "rel.sending": "Sending", "rel.uncertain": "Uncertain",
	"rel.released": "Released", "rel.failed": "Failed", "rel.closed": "Closed", "rel.all": "All",
	"rel.next": "next", "rel.none": "No release requests", "rel.choose": "Recipients (none ticked: all)",
	"relcol.requested": "Requested by", "relcol.approved": "Approved by", "relcol.attempts": "Attempts", "relcol.lasterror": "Last error",

	"done.release": "Release requested.", "done.approve": "Release approved.", "done.delete": "Deleted.",
	"done.note": "Note added.", "done.hold": "Legal hold changed.", "done.extend": "Retention extended.",
	"done.resolve": "Release resolved.", "done.reveal": "Revealed.", "done.download": "Downloaded.",
	"done.user.add": "User added.", "done.user.role": "Role changed.", "done.user.disable": "User disabled.",
	"done.user.enable": "User enabled.", "done.user.unlock": "User unlocked.", "done.user.password": "Password reset.",

	"users.title": "Users", "users.role": "Role", "users.created": "Created", "users.active": "Active",
	"users.disabled": "Disabled", "users.locked": "Locked", "users.change": "Change", "users.setrole": "Set role",
	"users.disable": "Disable", "users.enable": "Enable", "users.unlock": "Unlock",
	"users.newpassword": "New password (12+ characters)", "users.resetpassword": "Reset password", "users.add": "Add user",

	"audit.title": "Audit log", "audit.actor": "Actor", "audit.action": "Action", "audit.target": "Target", "audit.time": "Time",
	"audit.detail": "Detail", "audit.remote": "Client", "audit.export": "Export", "audit.total": "%d records",
	"action.login": "Login", "action.login_failed": "Failed login", "action.logout": "Logout", "action.view": "View",
	"action.reveal": "Reveal", "action.download": "Download", "action.release_request": "Release request",
	"action.release_approve": "Release approval", "action.release_outcome": "Release outcome", "action.delete": "Delete",
	"action.note": "Note", "action.hold": "Legal hold", "action.extend": "Extend", "action.user_change": "User change",
	"action.config_reload": "Config reload", "action.export": "Export",
	"action.customers_accept": "Customer list accepted",

	"err.unauthenticated": "Please log in.", "err.csrf": "The form has expired. Reload the page and try again.",
	"err.forbidden": "You are not allowed to do this.", "err.not_found": "Not found.",
	"err.self_approval": "The officer who requested a release cannot approve it. Another officer must approve.",
	"err.on_hold":       "The message is on legal hold.",
	"err.conflict":      "The message is not in a state that allows this (another officer may have acted first).",
	"err.user_exists":   "That user name is taken.", "err.locked": "The account is locked after repeated failed logins.",
	"err.bad_login": "Wrong user name or password.", "err.internal": "Internal error.",
	"err.content_type": "Send Content-Type: application/json.", "err.bad_json": "The request body is not valid.",
	"err.bad_filter": "The filter is not valid.", "err.bad_date": "The date is not valid.",
	"err.past_date": "The date must be in the future.", "err.justification": "A justification is required (at most 2000 bytes).",
	"err.bad_input": "The input is not valid.", "err.note": "A note is required (at most 4000 bytes).",
	"err.request_id": "Say which release request to approve.", "err.bulk_ids": "Select between 1 and 500 messages.",
	"err.self_change": "You cannot disable yourself or remove your own admin role.", "err.password": "Passwords have at least 12 characters.",
	"err.user_name": "User names are letters, digits and . - _ @, at most 64.", "err.role": "Unknown role.",
	"err.format": "The format is csv or json.",
}
