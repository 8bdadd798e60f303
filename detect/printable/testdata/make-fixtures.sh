#!/bin/sh
# Remakes the fixtures of printable_test.go. Run from this directory:
#   sh make-fixtures.sh
# Tools (Debian 12): sqlite3. The customer data is made up.
set -eu

# A SQLite database of customers, Japanese and Latin, as an application
# would keep it. The text is UTF-8 in the file's pages.
rm -f customers.db
sqlite3 customers.db <<'SQL'
PRAGMA page_size = 1024;
CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT, kana TEXT, email TEXT, phone TEXT);
INSERT INTO customers VALUES
  (1001, '山田太郎', 'ヤマダタロウ', 'taro.yamada@example.jp', '03-1234-5678'),
  (1002, '佐藤花子', 'サトウハナコ', 'hanako.sato@example.co.jp', '06-2345-6789'),
  (1003, '髙橋一郎', 'タカハシイチロウ', 'ichiro@example.ne.jp', '080-4567-8901'),
  (1004, 'John Smith', 'ジョンスミス', 'john.smith@example.com', '+81-90-3456-7890'),
  (1005, 'Zoë Müller', 'ゾーイミュラー', 'zoe.mueller@example.de', '+49-30-1234567'),
  (1006, '堀', 'ホリ', 'hori@example.jp', '090-1111-2222');
CREATE INDEX customers_email ON customers(email);
SQL
