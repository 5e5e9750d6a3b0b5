package cn.hotline.ivr.telephony;

import java.io.IOException;

/** The peer broke the FastAGI protocol (garbage, over-long line, silence); the connection is closed. */
final class AgiProtocolException extends IOException {
    AgiProtocolException(String message) {
        super(message);
    }
}
