package dev.flashcopy.tools.admin;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;

/**
 * {@link HttpObjectAggregator} whose refusal of an oversized body is a JSON 413 like every other
 * API error (Netty's own is an empty body). The connection is closed afterwards, because the rest
 * of the refused body may still be on the wire. One instance per channel; event-loop confined.
 */
final class BoundedAggregator extends HttpObjectAggregator {
    private final int maxBytes;

    BoundedAggregator(int maxBytes) {
        super(maxBytes);
        this.maxBytes = maxBytes;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        if (oversized instanceof HttpRequest) {
            ctx.writeAndFlush(AdminHandler.toHttp(
                            ApiResponse.error(
                                    413,
                                    "request body exceeds " + maxBytes
                                            + " bytes (the admin API takes small JSON objects)"),
                            false))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }
}
