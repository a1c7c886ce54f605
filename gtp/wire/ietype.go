package wire

import "strconv"

// IEType is a GTPv2-C information element type (TS 29.274 §8.1, table 8.1-1).
type IEType uint8

// IE types. The package decodes the ones its messages use and skips the
// rest; the others are listed so that callers can name them in errors and
// in IEReader loops.
const (
	IEIMSI                    IEType = 1
	IECause                   IEType = 2
	IERecovery                IEType = 3
	IEAPN                     IEType = 71
	IEAMBR                    IEType = 72
	IEEBI                     IEType = 73
	IEIPAddress               IEType = 74
	IEMEI                     IEType = 75
	IEMSISDN                  IEType = 76
	IEIndication              IEType = 77
	IEPCO                     IEType = 78
	IEPAA                     IEType = 79
	IEBearerQoS               IEType = 80
	IEFlowQoS                 IEType = 81
	IERATType                 IEType = 82
	IEServingNetwork          IEType = 83
	IEBearerTFT               IEType = 84
	IETAD                     IEType = 85
	IEULI                     IEType = 86
	IEFTEID                   IEType = 87
	IETMSI                    IEType = 88
	IEGlobalCNID              IEType = 89
	IEDelayValue              IEType = 92
	IEBearerContext           IEType = 93
	IEChargingID              IEType = 94
	IEChargingCharacteristics IEType = 95
	IETraceInformation        IEType = 96
	IEBearerFlags             IEType = 97
	IEPDNType                 IEType = 99
	IEPTI                     IEType = 100
	IEPDNConnection           IEType = 109
	IEUETimeZone              IEType = 114
	IEAPNRestriction          IEType = 127
	IESelectionMode           IEType = 128
	IEFQCSID                  IEType = 132
	IEFQDN                    IEType = 136
	IENodeFeatures            IEType = 152
	IEULITimestamp            IEType = 170
	IERANNASCause             IEType = 172
	IEEPCO                    IEType = 197
	IEExtendedType            IEType = 254 // Special IE type for IE type extension (§8.2.1A)
	IEPrivateExtension        IEType = 255
)

// String returns the IE type's name, or "IE(n)".
func (t IEType) String() string {
	switch t {
	case IEIMSI:
		return "IMSI"
	case IECause:
		return "Cause"
	case IERecovery:
		return "Recovery"
	case IEAPN:
		return "APN"
	case IEAMBR:
		return "AMBR"
	case IEEBI:
		return "EBI"
	case IEIPAddress:
		return "IP Address"
	case IEMEI:
		return "MEI"
	case IEMSISDN:
		return "MSISDN"
	case IEIndication:
		return "Indication"
	case IEPCO:
		return "PCO"
	case IEPAA:
		return "PAA"
	case IEBearerQoS:
		return "Bearer QoS"
	case IEFlowQoS:
		return "Flow QoS"
	case IERATType:
		return "RAT Type"
	case IEServingNetwork:
		return "Serving Network"
	case IEBearerTFT:
		return "Bearer TFT"
	case IETAD:
		return "TAD"
	case IEULI:
		return "ULI"
	case IEFTEID:
		return "F-TEID"
	case IETMSI:
		return "TMSI"
	case IEGlobalCNID:
		return "Global CN-Id"
	case IEDelayValue:
		return "Delay Value"
	case IEBearerContext:
		return "Bearer Context"
	case IEChargingID:
		return "Charging ID"
	case IEChargingCharacteristics:
		return "Charging Characteristics"
	case IETraceInformation:
		return "Trace Information"
	case IEBearerFlags:
		return "Bearer Flags"
	case IEPDNType:
		return "PDN Type"
	case IEPTI:
		return "PTI"
	case IEPDNConnection:
		return "PDN Connection"
	case IEUETimeZone:
		return "UE Time Zone"
	case IEAPNRestriction:
		return "APN Restriction"
	case IESelectionMode:
		return "Selection Mode"
	case IEFQCSID:
		return "FQ-CSID"
	case IEFQDN:
		return "FQDN"
	case IENodeFeatures:
		return "Node Features"
	case IEULITimestamp:
		return "ULI Timestamp"
	case IERANNASCause:
		return "RAN/NAS Cause"
	case IEEPCO:
		return "ePCO"
	case IEExtendedType:
		return "Extended Type"
	case IEPrivateExtension:
		return "Private Extension"
	}
	return "IE(" + strconv.Itoa(int(t)) + ")"
}

// InterfaceType is the interface type of an F-TEID (TS 29.274 §8.22): the
// reference point and node the TEID and address belong to.
type InterfaceType uint8

// F-TEID interface types used on S1-U, S5/S8 and S11.
const (
	IfS1UeNodeBGTPU  InterfaceType = 0
	IfS1USGWGTPU     InterfaceType = 1
	IfS12RNCGTPU     InterfaceType = 2
	IfS12SGWGTPU     InterfaceType = 3
	IfS5S8SGWGTPU    InterfaceType = 4
	IfS5S8PGWGTPU    InterfaceType = 5
	IfS5S8SGWGTPC    InterfaceType = 6
	IfS5S8PGWGTPC    InterfaceType = 7
	IfS5S8SGWPMIPv6  InterfaceType = 8
	IfS5S8PGWPMIPv6  InterfaceType = 9
	IfS11MMEGTPC     InterfaceType = 10
	IfS11S4SGWGTPC   InterfaceType = 11
	IfS10MMEGTPC     InterfaceType = 12
	IfS3MMEGTPC      InterfaceType = 13
	IfS3SGSNGTPC     InterfaceType = 14
	IfS4SGSNGTPU     InterfaceType = 15
	IfS4SGWGTPU      InterfaceType = 16
	IfS4SGSNGTPC     InterfaceType = 17
	IfS16SGSNGTPC    InterfaceType = 18
	IfS11MMEGTPU     InterfaceType = 38
	IfS11SGWGTPU     InterfaceType = 39
	maxInterfaceType InterfaceType = 63 // 6-bit field
)

// RATType is the radio access technology of a session (TS 29.274 §8.17).
type RATType uint8

// RAT types. IoT cards mostly attach over EUTRAN, NB-IoT or LTE-M.
const (
	RATUTRAN         RATType = 1
	RATGERAN         RATType = 2
	RATWLAN          RATType = 3
	RATGAN           RATType = 4
	RATHSPAEvolution RATType = 5
	RATEUTRAN        RATType = 6
	RATVirtual       RATType = 7
	RATEUTRANNBIoT   RATType = 8
	RATLTEM          RATType = 9
	RATNR            RATType = 10
)

// PDNType is the kind of PDN connection (TS 29.274 §8.34) and of a PDN
// address allocation (§8.14). 0 is not a valid PDN type and stands for an
// absent IE.
type PDNType uint8

// PDN types.
const (
	PDNTypeIPv4     PDNType = 1
	PDNTypeIPv6     PDNType = 2
	PDNTypeIPv4v6   PDNType = 3
	PDNTypeNonIP    PDNType = 4
	PDNTypeEthernet PDNType = 5
)

// SelectionMode tells how the APN was chosen (TS 29.274 §8.58).
type SelectionMode uint8

// Selection modes. A received value 3 is to be read as 2 (§8.58).
const (
	SelectionSubscribedVerified         SelectionMode = 0 // MS or network provided APN, subscription verified
	SelectionMSProvidedNotVerified      SelectionMode = 1 // MS provided APN, subscription not verified
	SelectionNetworkProvidedNotVerified SelectionMode = 2 // network provided APN, subscription not verified
)

// String returns the RAT type's name from TS 29.274 table 8.17-1, or
// "RATType(n)".
func (r RATType) String() string {
	switch r {
	case RATUTRAN:
		return "UTRAN"
	case RATGERAN:
		return "GERAN"
	case RATWLAN:
		return "WLAN"
	case RATGAN:
		return "GAN"
	case RATHSPAEvolution:
		return "HSPA Evolution"
	case RATEUTRAN:
		return "EUTRAN"
	case RATVirtual:
		return "Virtual"
	case RATEUTRANNBIoT:
		return "EUTRAN-NB-IoT"
	case RATLTEM:
		return "LTE-M"
	case RATNR:
		return "NR"
	}
	return "RATType(" + strconv.Itoa(int(r)) + ")"
}

// String returns the PDN type's name, or "PDNType(n)".
func (p PDNType) String() string {
	switch p {
	case PDNTypeIPv4:
		return "IPv4"
	case PDNTypeIPv6:
		return "IPv6"
	case PDNTypeIPv4v6:
		return "IPv4v6"
	case PDNTypeNonIP:
		return "Non-IP"
	case PDNTypeEthernet:
		return "Ethernet"
	}
	return "PDNType(" + strconv.Itoa(int(p)) + ")"
}
