"""``method.md`` of an audit pack: what each file holds and how the figures are counted."""

METHOD_TEXT = """\
# Audit pack: method / 審計資料包：方法

## Files
- `conclusions-en.pdf`, `conclusions-zh-hant.pdf`: the published conclusions.
- `summary.json`: the published figures; `figures-en.xlsx`, `figures-zh-hant.xlsx`: the frozen
  reports' tables.
- `register.csv`: every submission that reached the regulator (drafts are not responses), counted
  or left out (`status`, `reason`: withdrawn, duplicate, spam, out_of_scope, other, unconfirmed,
  after_cutoff), with its channel, campaign (and whether a reviewer confirmed it), late flag,
  weight (a petition's signatories, 1 otherwise), licence status, category and respondent type.
  For each counted submission: `q:<code>` the choice values of a closed question (joined by `|`)
  or a number question's number; `q:<code>:answered` (1/0) and `q:<code>:themes` (theme ids
  joined by `|`) for a free-text question. No names, emails, contact details or free text.
- `dispositions.csv`, `dispositions.json`: the latest recorded decision on each point raised.
- `audit/`: reviewers' changes to submissions (without their notes), waived checks, publications,
  reports with their snapshot hashes. Staff appear as user ids.
- `manifest.json`: the SHA-256 of every file; `manifest.json.sig`: HMAC-SHA256 of manifest.json's
  bytes with the key the regulator's records office keeps (`AUDIT_PACK_SIGNING_KEY`).

## Definitions
- Counted: submitted, not withdrawn, not excluded by review, email confirmed where required,
  submitted at or before the report's cut-off.
- Every figure counts a respondent with its weight (a petition record: its signatories).
- A closed question is answered by those who picked at least one choice; shares are of those who
  answered it (multiple choice: the share selecting each option, which may add up to more).
- Number questions: count, minimum, maximum, mean and median (linear interpolation between the
  middle order statistics) of the numbers given.
- Free text: answered when not blank; coded when a reviewer tagged it with at least one theme.
- Outside campaigns: leaving out the members of confirmed campaigns.

## 定義
- 計算在內：已提交、未撤回、未經審閱剔除、如須確認電郵則已確認，並於報告截止時間或之前提交。
- 每個數字均按回應者的權重計算（聯署記錄按其聯署人數計算）。
- 封閉式問題：至少選擇一個選項即屬已回答；百分比以回答該問題的人數為基數。
- 數字問題：所填數字的數目、最小值、最大值、平均數及中位數。
- 自由文字：非空白即屬已回答；審閱人員標示至少一個主題即屬已編碼。

`manage.py verify_audit_pack FILE` (or `python -m reports.audit.verify FILE`, which needs only
Python) checks the digests and the signature and recomputes the figures from `register.csv`.
"""
