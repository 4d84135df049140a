package abi

import "unsafe"

// The DAHDI userspace ABI, written from include/dahdi/user.h of
// dahdi-linux 2.11 (Debian package dahdi-source). TestABI compiles a C
// program against that header and compares every value here with it.

const (
	code     = 0xDA
	dirShift = 16 + iocSizeBits
	w        = iocWrite << dirShift
	r        = iocRead << dirShift
	wr       = (iocRead | iocWrite) << dirShift
)

const sizeofInt = 4 // sizeof(int) on every Linux target

// Params is struct dahdi_params.
type Params struct {
	Channo, Spanno, Chanpos   int32
	Sigtype, Sigcap           int32
	Rxisoffhook               int32
	Rxbits, Txbits            int32
	Txhooksig, Rxhooksig      int32
	Curlaw, Idlebits          int32
	Name                      [40]byte
	Prewinktime, Preflashtime int32
	Winktime, Flashtime       int32
	Starttime                 int32
	Rxwinktime, Rxflashtime   int32
	Debouncetime              int32
	Pulsebreaktime            int32
	Pulsemaketime             int32
	Pulseaftertime            int32
	ChanAlarms                uint32
}

// BufferInfo is struct dahdi_bufferinfo.
type BufferInfo struct {
	TxBufPolicy, RxBufPolicy int32
	NumBufs, BufSize         int32
	ReadBufs, WriteBufs      int32
}

// EchoCanParams is struct dahdi_echocanparams with no parameters after it.
type EchoCanParams struct {
	TapLength  uint32
	ParamCount uint32
}

// Ioctl requests.
const (
	GetBlocksize     uint = r | sizeofInt<<16 | code<<8 | 1
	SetBlocksize     uint = w | sizeofInt<<16 | code<<8 | 1
	Flush            uint = w | sizeofInt<<16 | code<<8 | 3
	GetParams        uint = wr | uint(unsafe.Sizeof(Params{}))<<16 | code<<8 | 5
	SetParams        uint = w | uint(unsafe.Sizeof(Params{}))<<16 | code<<8 | 5
	Hook             uint = w | sizeofInt<<16 | code<<8 | 7
	GetEvent         uint = r | sizeofInt<<16 | code<<8 | 8
	IOMux            uint = wr | sizeofInt<<16 | code<<8 | 9
	GetBufInfo       uint = r | uint(unsafe.Sizeof(BufferInfo{}))<<16 | code<<8 | 27
	SetBufInfo       uint = w | uint(unsafe.Sizeof(BufferInfo{}))<<16 | code<<8 | 27
	EchoCancelParams uint = w | uint(unsafe.Sizeof(EchoCanParams{}))<<16 | code<<8 | 33
	ChanNo           uint = r | sizeofInt<<16 | code<<8 | 34
	Specify          uint = w | sizeofInt<<16 | code<<8 | 38
	SetLinear        uint = w | sizeofInt<<16 | code<<8 | 40
	OnHookTransfer   uint = w | sizeofInt<<16 | code<<8 | 51
	SetPolarity      uint = w | sizeofInt<<16 | code<<8 | 92
	VMWI             uint = wr | sizeofInt<<16 | code<<8 | 94
)

// Signalling types (dahdi_params.sigtype). A channel that feeds a phone
// (an FXS port) uses FXO signalling, and the reverse.
const (
	SigNone   = 0
	SigFXO    = 1 << 12
	SigFXS    = 1 << 13
	SigFXSLS  = 1<<0 | SigFXS
	SigFXSGS  = 1<<1 | SigFXS
	SigFXSKS  = 1<<2 | SigFXS
	SigFXOLS  = 1<<3 | SigFXO
	SigFXOGS  = 1<<4 | SigFXO
	SigFXOKS  = 1<<5 | SigFXO
	SigBroken = -1 << 31
)

// DAHDI_HOOK values.
const (
	HookOnHook  = 0
	HookOffHook = 1
	HookWink    = 2
	HookFlash   = 3
	HookStart   = 4
	HookRing    = 5
	HookRingOff = 6
)

// Buffer policies and flush flags.
const (
	PolicyImmediate = 0
	FlushEvent      = 4
)

// DAHDI_IOMUX flags.
const (
	IoMuxRead     = 1
	IoMuxWrite    = 2
	IoMuxSigEvent = 8
	IoMuxNoWait   = 0x100
)

// Events (DAHDI_GETEVENT).
const (
	EventNone         = 0
	EventOnHook       = 1
	EventRingOffHook  = 2
	EventWinkFlash    = 3
	EventAlarm        = 4
	EventNoAlarm      = 5
	EventRingerOn     = 10
	EventRingerOff    = 11
	EventHookComplete = 12
	EventPulseStart   = 14
	EventPolarity     = 17
	EventRingBegin    = 18
	EventRemoved      = 20
	EventReadOverrun  = 29
	EventWriteUnder   = 30
	EventPulseDigit   = 1 << 16
	EventDTMFDown     = 1 << 17
	EventDTMFUp       = 1 << 18
)

// ELAST is what read and write return while an event waits
// (DAHDI's ELAST, 500: user.h defines it when the libc does not).
const ELAST = 500
