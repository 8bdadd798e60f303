package policy

import "testing"

func TestOwnAccount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sender      string
		senderNames []string
		rcpt, name  string
		want        bool
	}{
		// Positive: the same person's private account.
		{"taro.yamada@example.co.jp", nil, "taro.yamada@gmail.com", "", true},
		{"taro.yamada@example.co.jp", nil, "TaroYamada1985@gmail.com", "", true},
		{"taro.yamada@example.co.jp", nil, "yamada.taro@yahoo.co.jp", "", true},
		{"taro.yamada@example.co.jp", nil, "yamada-taro-home@gmail.com", "", true},
		{"t-yamada@example.co.jp", []string{"山田 太郎"}, "xyz123@gmail.com", "山田太郎", true},
		{"t-yamada@example.co.jp", []string{"山田 太郎"}, "xyz123@gmail.com", "ｙａｍａｄａ", false},
		{"tyamada@example.co.jp", []string{"Taro Yamada"}, "yamadataro@gmail.com", "", true},
		{"tyamada@example.co.jp", []string{"Taro Yamada"}, "t.y.8@gmail.com", "Yamada Taro", true},
		{"hanako@example.co.jp", nil, "hanako@docomo.ne.jp", "", true},
		// Negative: common names, shared first or family names.
		{"taro.yamada@example.co.jp", nil, "taro.suzuki@gmail.com", "", false},
		{"taro.yamada@example.co.jp", nil, "yamada.hanako@gmail.com", "", false},
		{"taro.yamada@example.co.jp", nil, "yamada@gmail.com", "", false},
		{"taro.yamada@example.co.jp", nil, "taro@gmail.com", "", false},
		{"taro.yamada@example.co.jp", []string{"山田 太郎"}, "h.yamada@gmail.com", "山田 花子", false},
		{"taro.yamada@example.co.jp", []string{"山田 太郎"}, "x@gmail.com", "山田", false},
		{"taro.yamada@example.co.jp", nil, "taroyamada.shop.official@gmail.com", "", false},
		{"ken@example.co.jp", nil, "ken@gmail.com", "", false}, // too short to tell
		{"sales@example.co.jp", nil, "c@gmail.com", "Sales Team", false},
		{"taro.yamada@example.co.jp", []string{""}, "x@gmail.com", "", false},
	}
	for _, tt := range tests {
		if got := ownAccount(tt.sender, tt.senderNames, tt.rcpt, tt.name); got != tt.want {
			t.Errorf("ownAccount(%q, %q, %q, %q) = %v, want %v", tt.sender, tt.senderNames, tt.rcpt, tt.name, got, tt.want)
		}
	}
}
