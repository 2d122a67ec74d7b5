#include <nats/nats.h>
#include <string.h>

/// What the asynchronous publish-acknowledgement handler saw since the last reset: the number of
/// messages JetStream refused or did not acknowledge in time, and the first error's text.
typedef struct {
    long failures;
    int firstErrCode;
    char firstError[256];
} cnats_ack_state;

static void cnats_ack_failed(jsCtx *js, jsPubAckErr *pae, void *closure) {
    cnats_ack_state *state = (cnats_ack_state *)closure;
    if (state->failures++ == 0) {
        state->firstErrCode = (int)pae->ErrCode;
        const char *text = pae->ErrText != NULL ? pae->ErrText : natsStatus_GetText(pae->Err);
        strncpy(state->firstError, text, sizeof(state->firstError) - 1);
        state->firstError[sizeof(state->firstError) - 1] = 0;
    }
}

/// A JetStream context whose asynchronous publishes report failures into `state`, with at most
/// `maxPending` messages unacknowledged at a time.
static inline natsStatus cnats_jetstream(jsCtx **js, natsConnection *nc, int64_t maxPending, int64_t waitMs, cnats_ack_state *state) {
    jsOptions options;
    jsOptions_Init(&options);
    options.Wait = waitMs;
    options.PublishAsync.MaxPending = maxPending;
    options.PublishAsync.ErrHandler = cnats_ack_failed;
    options.PublishAsync.ErrHandlerClosure = state;
    return natsConnection_JetStream(js, nc, &options);
}

/// Publishes one record asynchronously with `Nats-Msg-Id: msgId`, expecting `stream` to store it.
static inline natsStatus cnats_publish(jsCtx *js, const char *subject, const char *msgId, const char *stream,
                                       const void *data, int length) {
    natsMsg *msg = NULL;
    natsStatus s = natsMsg_Create(&msg, subject, NULL, (const char *)data, length);
    if (s != NATS_OK) return s;
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MsgId = msgId;
    options.ExpectStream = stream;
    s = js_PublishMsgAsync(js, &msg, &options);
    if (msg != NULL) natsMsg_Destroy(msg);
    return s;
}

/// Waits up to `waitMs` until every asynchronous publish is acknowledged; on a timeout drops
/// the messages still pending (the caller sends the whole batch again).
static inline natsStatus cnats_complete(jsCtx *js, int64_t waitMs) {
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MaxWait = waitMs;
    natsStatus s = js_PublishAsyncComplete(js, &options);
    if (s != NATS_OK) {
        natsMsgList pending;
        if (js_PublishAsyncGetPendingList(&pending, js) == NATS_OK) natsMsgList_Destroy(&pending);
    }
    return s;
}

/// The duplicate window of `stream` in milliseconds, or -1 with `*errCode` set.
static inline int64_t cnats_stream_duplicates_ms(jsCtx *js, const char *stream, natsStatus *status, int *errCode) {
    jsStreamInfo *info = NULL;
    jsErrCode code = 0;
    *status = js_GetStreamInfo(&info, js, stream, NULL, &code);
    *errCode = (int)code;
    if (*status != NATS_OK || info == NULL) return -1;
    int64_t window = info->Config->Duplicates / 1000000;
    jsStreamInfo_Destroy(info);
    return window;
}

/// Creates `stream` on `subject` with a duplicate window of `duplicatesMs` and `replicas`
/// copies, file storage (for tests and `siem-forwarder` set-up helpers).
static inline natsStatus cnats_add_stream(jsCtx *js, const char *stream, const char *subject, int64_t duplicatesMs, int replicas, int *errCode) {
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    config.Name = stream;
    const char *subjects[1] = { subject };
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    config.Replicas = replicas;
    config.Duplicates = duplicatesMs * 1000000;
    jsStreamInfo *info = NULL;
    jsErrCode code = 0;
    natsStatus s = js_AddStream(&info, js, &config, NULL, &code);
    *errCode = (int)code;
    if (info != NULL) jsStreamInfo_Destroy(info);
    return s;
}

/// The last sequence stored in `stream`, or 0 with `*status` set.
static inline uint64_t cnats_stream_last_seq(jsCtx *js, const char *stream, natsStatus *status) {
    jsStreamInfo *info = NULL;
    jsErrCode code = 0;
    *status = js_GetStreamInfo(&info, js, stream, NULL, &code);
    if (*status != NATS_OK || info == NULL) return 0;
    uint64_t last = info->State.LastSeq;
    jsStreamInfo_Destroy(info);
    return last;
}

/// The message at `seq` in `stream`: copies its Nats-Msg-Id (or "") into `id` and its subject
/// into `subject`; returns its data length, or -1 if there is none at that sequence.
static inline int cnats_stream_message(jsCtx *js, const char *stream, uint64_t seq, char *id, int idCapacity, char *subject, int subjectCapacity) {
    natsMsg *msg = NULL;
    jsErrCode code = 0;
    if (js_GetMsg(&msg, js, stream, seq, NULL, &code) != NATS_OK || msg == NULL) return -1;
    const char *value = NULL;
    id[0] = 0;
    if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &value) == NATS_OK && value != NULL) {
        strncpy(id, value, idCapacity - 1);
        id[idCapacity - 1] = 0;
    }
    strncpy(subject, natsMsg_GetSubject(msg), subjectCapacity - 1);
    subject[subjectCapacity - 1] = 0;
    int length = natsMsg_GetDataLength(msg);
    natsMsg_Destroy(msg);
    return length;
}

/// Makes sure the durable pull consumer `durable` of `stream` exists — creating it with
/// explicit acknowledgements, `ackWaitMs` and `filter` (NULL: every subject) when it does not —
/// and subscribes to it. An existing consumer is used as it is.
static inline natsStatus cnats_pull_subscribe(natsSubscription **sub, jsCtx *js, const char *stream, const char *durable,
                                              const char *filter, bool deliverNew, int64_t ackWaitMs, int64_t maxAckPending,
                                              int *errCode) {
    jsConsumerInfo *info = NULL;
    jsErrCode code = 0;
    natsStatus s = js_GetConsumerInfo(&info, js, stream, durable, NULL, &code);
    if (s != NATS_OK && (s == NATS_NOT_FOUND || code == 10014)) {
        jsConsumerConfig config;
        jsConsumerConfig_Init(&config);
        config.Durable = durable;
        config.AckPolicy = js_AckExplicit;
        config.AckWait = ackWaitMs * 1000000;
        config.MaxAckPending = maxAckPending;
        config.FilterSubject = filter;
        config.DeliverPolicy = deliverNew ? js_DeliverNew : js_DeliverAll;
        code = 0;
        s = js_AddConsumer(&info, js, stream, &config, NULL, &code);
    }
    if (s != NATS_OK) {
        *errCode = (int)code;
        if (info != NULL) jsConsumerInfo_Destroy(info);
        return s;
    }
    char subject[512] = { 0 };
    if (filter != NULL) {
        strncpy(subject, filter, sizeof(subject) - 1);
    } else if (info != NULL && info->Config != NULL && info->Config->FilterSubject != NULL) {
        strncpy(subject, info->Config->FilterSubject, sizeof(subject) - 1);
    }
    if (info != NULL) jsConsumerInfo_Destroy(info);
    jsSubOptions options;
    jsSubOptions_Init(&options);
    options.Stream = stream;
    options.Consumer = durable;
    code = 0;
    s = js_PullSubscribe(sub, js, subject[0] != 0 ? subject : NULL, durable, NULL, &options, &code);
    *errCode = (int)code;
    return s;
}

/// One fetched message's JetStream facts: its stream sequence, how often it was delivered, and
/// how many messages are still pending for the consumer after it.
typedef struct {
    uint64_t streamSequence;
    uint64_t delivered;
    uint64_t pending;
} cnats_message_facts;

static inline cnats_message_facts cnats_facts(natsMsg *msg) {
    cnats_message_facts facts = { 0, 0, 0 };
    jsMsgMetaData *meta = NULL;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK && meta != NULL) {
        facts.streamSequence = meta->Sequence.Stream;
        facts.delivered = meta->NumDelivered;
        facts.pending = meta->NumPending;
        jsMsgMetaData_Destroy(meta);
    }
    return facts;
}

/// The message's `Nats-Msg-Id` header, or NULL (valid while the message lives).
static inline const char *cnats_message_id(natsMsg *msg) {
    const char *value = NULL;
    if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &value) != NATS_OK) return NULL;
    return value;
}

/// Messages the durable consumer has not been delivered yet, or -1 with `*errCode` set (10014:
/// the consumer does not exist).
static inline int64_t cnats_consumer_pending(jsCtx *js, const char *stream, const char *durable, natsStatus *status, int *errCode) {
    jsConsumerInfo *info = NULL;
    jsErrCode code = 0;
    *status = js_GetConsumerInfo(&info, js, stream, durable, NULL, &code);
    *errCode = (int)code;
    if (*status != NATS_OK || info == NULL) return -1;
    int64_t pending = (int64_t)info->NumPending;
    jsConsumerInfo_Destroy(info);
    return pending;
}
