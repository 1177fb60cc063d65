using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Definitions.Zoo;

/// <summary><see cref="BertMlm"/>'s encoder as a sequence classifier, as Hugging Face's
/// <c>BertForSequenceClassification</c>: the same embeddings and encoder (the same module types and names under
/// <c>bert.</c>, so a <see cref="BertMlm"/> checkpoint's <c>bert.embeddings.*</c> and <c>bert.encoder.*</c> load into it
/// by name and its <c>cls.*</c> head is left out), then BERT's pooler on the first position (<c>bert.pooler.dense</c>:
/// dense Width -> Width, tanh), dropout 0.1, and <c>classifier</c> (dense Width -> <see cref="Classes"/>), softmax
/// cross-entropy against the class. The first position holds <c>&lt;s&gt;</c> (id 1, BERT's [CLS]); the text follows,
/// then <c>&lt;/s&gt;</c> and padding (id 0, masked as keys in every attention). The pooler and the classifier are new
/// (N(0, 0.02) weights, zero biases), as when Hugging Face loads a pretrained encoder into this class.</summary>
[Network]
public partial class BertClassifier
{
    /// <summary>Categories: the <c>bert</c> command's eight fortune files.</summary>
    public const int Classes = 8;

    BertPooledModel bert;
    [Dropout(BertMlm.DropoutRate)] Dropout dropout;
    [Dense(BertMlm.Width, Classes, WeightInit = Init.Normal, Std = BertMlm.InitStd)] Dense classifier;

    [Forward]
    Tensor Forward([Shape(BertMlm.Context)] Tokens input_ids) => classifier.Forward(dropout.Forward(bert.Forward(input_ids)));   // [8]

    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}

/// <summary>Hugging Face's <c>BertModel</c> with its pooler: <see cref="BertModel"/>'s embeddings and encoder, then the
/// pooled first position.</summary>
[Module]
public partial class BertPooledModel
{
    BertEmbeddings embeddings;
    BertEncoder encoder;
    BertPooler pooler;

    /// <summary>Ids [64] -> the pooled first position [Width].</summary>
    public Tensor Forward(Tokens ids) => pooler.Forward(encoder.Forward(embeddings.Forward(ids), ids));
}

/// <summary>BERT's pooler: tanh(dense(the first position's features)).</summary>
[Module]
public partial class BertPooler
{
    [Dense(BertMlm.Width, BertMlm.Width, WeightInit = Init.Normal, Std = BertMlm.InitStd)] Dense dense;

    /// <summary>x [T, Width] -> [Width].</summary>
    public Tensor Forward(Tensor x) => Tanh(dense.Forward(Reshape(Slice(x, 0, 0, 1), BertMlm.Width)));
}
