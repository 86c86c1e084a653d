package ecrfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/schemas"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

// TargetPrefix is the X-Amz-Target prefix of ECR's operations.
const TargetPrefix = "AmazonEC2ContainerRegistry_V20150921."

// maxRequestBody bounds a request body; the largest ECR request (a policy
// of 30 KiB with its envelope) is far below it.
const maxRequestBody = 1 << 20

// Handler serves a Fake over HTTP with ECR's wire protocol (awsJson1_1):
// POST / with X-Amz-Target naming the operation and a JSON body. Any SDK or
// the AWS CLI can then talk to it with an endpoint URL. Signatures are not
// checked, so any credentials do.
//
// Request bodies are decoded with encoding/json, whose case-insensitive
// field matching maps ECR's lowerCamelCase members onto the SDK's input
// structs (no input ecrctl sends holds a timestamp). Responses are encoded by
// the SDK's own awsJson 1.1 serializer and the shape schemas of the ecr
// package, so member names, timestamps (epoch seconds) and nesting are
// exactly what the SDK client expects. Errors are {"__type": code,
// "message": text}, HTTP 400 (500 for server faults), which the SDK turns
// back into its typed errors (*types.RepositoryNotFoundException, ...).
type Handler struct {
	fake  *Fake
	ops   map[string]reflect.Value
	proto *awsjson.Protocol
}

var _ http.Handler = (*Handler)(nil)

// NewHandler returns a Handler serving f.
func NewHandler(f *Fake) *Handler {
	return &Handler{fake: f, ops: apiMethods(f), proto: awsjson.New11(schemas.AmazonEC2ContainerRegistry_V20150921)}
}

// Operations lists the ECR operations the handler serves, sorted.
func (h *Handler) Operations() []string {
	out := make([]string, 0, len(h.ops))
	for op := range h.ops {
		out = append(out, op)
	}
	sort.Strings(out)
	return out
}

var (
	ctxType = reflect.TypeOf((*context.Context)(nil)).Elem()
	errType = reflect.TypeOf((*error)(nil)).Elem()
	serType = reflect.TypeOf((*smithy.Serializable)(nil)).Elem()
)

// apiMethods finds the methods of f that have the shape of an *ecr.Client
// operation: (ctx, *XInput, ...func(*ecr.Options)) (*XOutput, error). Every
// operation the fake implements is served, and no test helper is.
func apiMethods(f *Fake) map[string]reflect.Value {
	v := reflect.ValueOf(f)
	client := reflect.TypeOf((*ecr.Client)(nil))
	out := map[string]reflect.Value{}
	for i := range v.NumMethod() {
		name := v.Type().Method(i).Name
		m := v.Method(i)
		t := m.Type()
		cm, ok := client.MethodByName(name)
		if !ok || cm.Type.NumIn() != t.NumIn()+1 || !t.IsVariadic() || t.NumIn() != 3 || t.NumOut() != 2 {
			continue
		}
		if t.In(0) != ctxType || t.In(1) != cm.Type.In(2) || t.Out(0) != cm.Type.Out(0) || t.Out(1) != errType || !t.Out(0).Implements(serType) {
			continue
		}
		out[name] = m
	}
	return out
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "UnknownOperationException", "ECR's JSON protocol uses POST /")
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, TargetPrefix)
	m, known := h.ops[op]
	if !ok || !known {
		writeError(w, http.StatusBadRequest, "UnknownOperationException", fmt.Sprintf("the fake does not implement %q", target))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil || len(body) > maxRequestBody {
		writeError(w, http.StatusBadRequest, "SerializationException", "cannot read the request body")
		return
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	in := reflect.New(m.Type().In(1).Elem())
	if err := json.Unmarshal(body, in.Interface()); err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", "cannot decode the request body: "+err.Error())
		return
	}
	res := m.Call([]reflect.Value{reflect.ValueOf(r.Context()), in})
	if err, _ := res[1].Interface().(error); err != nil {
		writeAPIError(w, err)
		return
	}
	payload, err := h.encode(r.Context(), res[0].Interface().(smithy.Serializable))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalFailure", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_, _ = w.Write(payload)
}

// encode serialises an operation output with the SDK's awsJson 1.1 codec.
// The codec is only exposed for requests, so the output is written as the
// body of a throw-away request: the body encoding is the same both ways.
func (h *Handler) encode(ctx context.Context, out smithy.Serializable) ([]byte, error) {
	req := smithyhttp.NewStackRequest().(*smithyhttp.Request)
	req.URL = &url.URL{Scheme: "http", Host: "fake", Path: "/"}
	carrier := smithy.NewOperationSchema(schemas.DescribeRegistry, schemas.DescribeRegistryRequest, schemas.DescribeRegistryResponse)
	if err := h.proto.SerializeRequest(ctx, carrier, out, req); err != nil {
		return nil, fmt.Errorf("encoding the response: %w", err)
	}
	stream := req.GetStream()
	if stream == nil {
		return []byte("{}"), nil
	}
	return io.ReadAll(stream)
}

func writeAPIError(w http.ResponseWriter, err error) {
	var api smithy.APIError
	var params smithy.InvalidParamsError
	switch {
	case errors.As(err, &api):
		status := http.StatusBadRequest
		if api.ErrorFault() == smithy.FaultServer {
			status = http.StatusInternalServerError
		}
		writeError(w, status, api.ErrorCode(), api.ErrorMessage())
	case errors.As(err, &params):
		writeError(w, http.StatusBadRequest, "InvalidParameterException", params.Error())
	default:
		writeError(w, http.StatusInternalServerError, "InternalFailure", err.Error())
	}
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
	_, _ = w.Write(b)
}
