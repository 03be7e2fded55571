package mcp

// failureMode is one entry of the built-in failure taxonomy resource.
type failureMode struct {
	Code             string   `json:"code"`
	Name             string   `json:"name"`
	Category         string   `json:"category"`
	Mechanism        string   `json:"mechanism"`
	DetectionMethods []string `json:"detection_methods"`
}

// failureTaxonomy is the reference's 8 built-in failure modes, with
// categories and mechanisms after ISO 14224 Annex B (Table B.2 failure
// mechanisms) and detection methods after Table B.4.
func failureTaxonomy() []failureMode {
	return []failureMode{
		{"BEAR-WEAR-01", "Rolling bearing wear", "Mechanical failure", "Wear (1.1)",
			[]string{"Vibration monitoring (envelope / high-frequency spectrum)", "Bearing temperature trend", "Lubricant analysis (wear particles)", "Acoustic emission"}},
		{"SEAL-LEAK-01", "Mechanical seal leakage", "Mechanical failure", "Leakage (1.5)",
			[]string{"Visual inspection of seal area", "Seal chamber pressure and temperature", "Leak detection / drip rate", "Flush fluid level monitoring"}},
		{"IMPE-EROS-01", "Impeller erosion and cavitation damage", "Material failure", "Erosion (2.4)",
			[]string{"Pump performance test (head / flow vs curve)", "Vibration at vane-pass frequency", "Suction pressure / NPSH margin monitoring", "Borescope inspection"}},
		{"MOTO-INSU-01", "Motor winding insulation degradation", "Electrical failure", "Earth/isolation fault (4.4)",
			[]string{"Insulation resistance test (megger)", "Polarisation index", "Partial discharge monitoring", "Winding temperature monitoring"}},
		{"CORR-PIPE-01", "Internal corrosion of piping", "Material failure", "Corrosion (2.2)",
			[]string{"Ultrasonic wall-thickness measurement", "Corrosion coupons and probes", "Radiographic inspection", "Visual inspection of external staining"}},
		{"VALV-STICK-01", "Control valve sticking", "Mechanical failure", "Sticking (1.6)",
			[]string{"Valve signature / stroke test", "Positioner deviation alarms", "Partial stroke testing", "Actuator pressure trend"}},
		{"GEAR-TOOTH-01", "Gear tooth wear and pitting", "Mechanical failure", "Wear (1.1)",
			[]string{"Vibration at gear-mesh frequency and sidebands", "Oil analysis (ferrography)", "Gearbox temperature", "Visual tooth inspection"}},
		{"BELT-WEAR-01", "Drive belt wear and slippage", "Mechanical failure", "Wear (1.1)",
			[]string{"Belt tension measurement", "Visual inspection for cracking and glazing", "Speed differential (slip) monitoring", "Thermography of pulleys"}},
	}
}
