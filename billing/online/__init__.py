"""Online payments: the flow from choosing bills to the settled payment, its refunds and the
reconciliation with the providers (`services`), and the providers behind one interface
(`providers`: WeChat Pay, Alipay, UnionPay and the sandbox)."""
