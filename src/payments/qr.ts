// Renders a QRIS payload as a PNG data URL, so a checkout page or a terminal client can show
// it without rendering QR codes itself. Error correction M is what payment apps scan best.
import QRCode from "qrcode";

export async function qrPngDataUrl(payload: string): Promise<string> {
  return QRCode.toDataURL(payload, { errorCorrectionLevel: "M", margin: 2, width: 320, type: "image/png" });
}
