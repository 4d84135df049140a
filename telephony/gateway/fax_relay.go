package gateway

// defaultRelayFunc is the T.38 relay calls use: none until
// media/faxrelay is there (T.38 offers are then refused, and IsFaxUsed =
// 3 falls back to G.711).
func defaultRelayFunc() newRelayFunc { return nil }
