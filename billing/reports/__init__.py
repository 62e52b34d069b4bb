"""Figures about bills and payments: the staff's collection and arrears reports (`queries`,
`filters`, `collection_chart`, `pdf`) and the resident's fee trend (`fee_trend`)."""
