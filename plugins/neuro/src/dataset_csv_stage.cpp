// dataset.csv: turns a user's own recording into the dataset artifact.
#include "recording_csv.hpp"
#include "spec_helpers.hpp"

#include <flowrun/sdk.hpp>

namespace flowrun::neuro {
namespace {

StageSpec make_spec() {
  StageSpec s;
  s.kind = "dataset.csv";
  s.version = "1";
  s.summary = "A recording of your own (CSV: frames x ROIs plus a 0/1 label column) as a dataset";
  s.doc =
      "Reads a CSV file with a header row; each following row is one imaging frame. ROI columns\n"
      "hold raw fluorescence (dF/F) as finite decimal numbers; the label column holds 0 or 1.\n"
      "With sequence_column set, rows sharing a value form one sequence (its rows must be\n"
      "contiguous, in frame order); otherwise the whole file is one sequence. The split is\n"
      "contiguous: the last eval_fraction of every sequence (rounded to whole frames) is eval,\n"
      "the rest train, so no history window mixes the two. The train part of the k-th sequence\n"
      "gets id k, its eval part id n+k (n sequences). ROI columns: roi_columns in that order, or\n"
      "by default every column except the label, sequence and ignore_columns, in file order.\n"
      "Bad cells, ragged rows, NaN/inf, labels outside {0,1} are reported as FILE:LINE:COL.";
  s.inputs.push_back({"recording", "csv|any", "the recording, a CSV file with a header row", ""});
  s.outputs.push_back({"dataset", "dataset", "split,sequence,frame,roi_*,label CSV (docs/decoder-flow.md)",
                       "dataset.csv"});
  s.params = {
      string_param("label_column", "label", "name of the 0/1 label column"),
      string_param("sequence_column", "", "name of the column whose value identifies the sequence (empty: one sequence)"),
      float_param("eval_fraction", 0.25, 0.001, 0.999, "last fraction of each sequence used for eval"),
      string_list_param("roi_columns", "ROI columns in order (empty: all columns but label, sequence and ignored)"),
      string_list_param("ignore_columns", "columns to skip, e.g. timestamps or frame numbers"),
  };
  s.key_metrics = {"rois", "train_frames", "eval_frames"};
  return s;
}

class DatasetCsv : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec s = make_spec();
    return s;
  }

  void run(Context& ctx) const override {
    RecordingOptions opt;
    opt.label_column = ctx.param<std::string>("label_column");
    opt.sequence_column = ctx.param<std::string>("sequence_column");
    opt.eval_fraction = ctx.param<double>("eval_fraction");
    opt.roi_columns = ctx.param<std::vector<std::string>>("roi_columns");
    opt.ignore_columns = ctx.param<std::vector<std::string>>("ignore_columns");

    ctx.progress(0.1, "reading recording");
    const Recording rec = read_recording(ctx.input("recording"), opt);
    for (const auto& note : rec.notes) ctx.warn(note);
    std::string names;
    for (std::size_t r = 0; r < rec.roi_names.size(); ++r)
      names += (r ? ", roi_" : "roi_") + std::to_string(r) + "=" + rec.roi_names[r];
    ctx.info("ROI columns: " + names);
    write_dataset(rec.data, ctx.output("dataset"));

    auto ones = [](const std::vector<Sequence>& seqs) {
      double n = 0, total = 0;
      for (const auto& s : seqs)
        for (int l : s.labels) {
          n += l;
          total += 1;
        }
      return total > 0 ? n / total : 0.0;
    };
    ctx.metric("rois", rec.data.rois);
    ctx.metric("sequences", rec.sequences);
    ctx.metric("train_frames", rec.data.train_frames());
    ctx.metric("eval_frames", rec.data.eval_frames());
    ctx.metric("frames", rec.data.train_frames() + rec.data.eval_frames());
    ctx.metric("train_fraction_state1", ones(rec.data.train));
    ctx.metric("eval_fraction_state1", ones(rec.data.eval));
  }
};

}  // namespace
}  // namespace flowrun::neuro

FLOWRUN_REGISTER_STAGE(flowrun::neuro::DatasetCsv)
