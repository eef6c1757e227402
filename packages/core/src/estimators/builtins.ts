import { DummyClassifier } from './dummy.js';
import { KNeighborsClassifier } from './knn.js';
import { MLPClassifier } from './mlp.js';
import { NearestCentroid } from './nearest-centroid.js';
import { OneVsOneClassifier } from './one-vs-one.js';
import { OneVsRestClassifier } from './one-vs-rest.js';
import { RandomForestClassifier } from './random-forest.js';
import { registerEstimator, registerTransformer } from './registry.js';
import { SGDClassifier } from './sgd.js';
import { StandardScaler } from './standard-scaler.js';
import { SVC } from './svc.js';

// gridfold's own estimators, registered as a user's are: by their scikit-learn name.
registerEstimator('DummyClassifier', DummyClassifier);
registerEstimator('KNeighborsClassifier', KNeighborsClassifier);
registerEstimator('MLPClassifier', MLPClassifier);
registerEstimator('NearestCentroid', NearestCentroid);
registerEstimator('OneVsOneClassifier', OneVsOneClassifier);
registerEstimator('OneVsRestClassifier', OneVsRestClassifier);
registerEstimator('RandomForestClassifier', RandomForestClassifier);
registerEstimator('SGDClassifier', SGDClassifier);
registerEstimator('SVC', SVC);
registerTransformer('StandardScaler', StandardScaler);
